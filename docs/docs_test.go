package docs

import (
	"fmt"
	"strings"
	"testing"
)

// TestPages checks every page: its title names the command whose Page it
// is, and its fenced help text is there and not empty.
func TestPages(t *testing.T) {
	pages := Pages()
	if len(pages) == 0 {
		t.Fatal("no help pages embedded")
	}
	for _, page := range pages {
		b, err := cli.ReadFile("cli/" + page)
		if err != nil {
			t.Fatal(err)
		}
		title, _, _ := strings.Cut(string(b), "\n")
		path, ok := strings.CutPrefix(title, "# recurrent ")
		if !ok {
			t.Errorf("%s: title %q, want \"# recurrent COMMAND\"", page, title)
			continue
		}
		if Page(path) != page {
			t.Errorf("%s: title names %q, whose page is %s", page, path, Page(path))
		}
		text, err := help(path)
		if err != nil {
			t.Error(err)
			continue
		}
		if text != strings.TrimSpace(text) {
			t.Errorf("%s: help text begins or ends with white space", page)
		}
		if Help(path) != text {
			t.Errorf("%s: Help and help differ", page)
		}
	}
}

// TestHelpUnknown checks that a command without a page panics, naming it.
func TestHelpUnknown(t *testing.T) {
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(fmt.Sprint(r), `"lm no-such-command"`) {
			t.Errorf("Help of an unknown command: recovered %v, want a panic naming it", r)
		}
	}()
	Help("lm no-such-command")
	t.Error("Help returned")
}

// TestHelpMalformed checks that help rejects a page without a fenced text.
func TestHelpMalformed(t *testing.T) {
	if _, err := help("README"); err == nil || !strings.Contains(err.Error(), "no \"```text\" line") {
		t.Errorf("help of the index page: %v, want a missing-fence error", err)
	}
}

func ExampleHelp() {
	fmt.Println(Help("vectors similarity"))
	// Output: Cosine similarity of two words
}

func ExamplePage() {
	fmt.Println(Page("lm train-labels"))
	// Output: lm-train-labels.md
}
