package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/recurrent-go/recurrent/docs"
)

// helpCommands returns every command below rootCmd in cobra's order, depth
// first, without cobra's own help and completion commands (added when a
// command runs).
func helpCommands() []*cobra.Command {
	var all []*cobra.Command
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		for _, s := range c.Commands() {
			if c == rootCmd && (s.Name() == "help" || s.Name() == "completion") {
				continue
			}
			all = append(all, s)
			walk(s)
		}
	}
	walk(rootCmd)
	return all
}

// helpPath is the path of c that docs.Help takes: "lm train" for "recurrent lm train".
func helpPath(c *cobra.Command) string {
	return strings.TrimPrefix(c.CommandPath(), rootCmd.Name()+" ")
}

// TestHelpPages checks that the help of the command tree and the pages in
// docs/cli match one to one: every command that runs (not a group, which
// runs only to print its help or refuse an unknown command; a group with a
// long help does) has a page, its Long is that page's text and not empty, no two
// commands share a page, and every page belongs to a command.
func TestHelpPages(t *testing.T) {
	used := map[string]string{}
	for _, c := range helpCommands() {
		path := helpPath(c)
		if (!c.Runnable() || c.HasSubCommands()) && c.Long == "" {
			continue
		}
		page := docs.Page(path)
		if !slices.Contains(docs.Pages(), page) {
			t.Errorf("%q has no help page docs/cli/%s", path, page)
			continue
		}
		if other, dup := used[page]; dup {
			t.Errorf("%q and %q share the help page %s", other, path, page)
		}
		used[page] = path
		if strings.TrimSpace(c.Long) == "" {
			t.Errorf("%q: empty help", path)
		}
		if want := docs.Help(path); c.Long != want {
			t.Errorf("%q: Long is not docs.Help(%q):\n%s\nwant\n%s", path, path, c.Long, want)
		}
	}
	for _, page := range docs.Pages() {
		if _, ok := used[page]; !ok {
			t.Errorf("docs/cli/%s belongs to no command", page)
		}
	}
	if len(used) == 0 {
		t.Fatal("no command has a help page")
	}
}

// helpIndex renders docs/cli/README.md from the command tree: every command
// in cobra's order, nested under its group, each a link to its page (when it
// has one) and its Short.
func helpIndex() string {
	var b strings.Builder
	b.WriteString(`# recurrent command reference

One page per command: the help text that ` + "`recurrent COMMAND --help`" + ` prints above its
usage and flags. The binary embeds these pages (see [docs.go](../docs.go)), so the two
never differ. Every command also takes ` + "`--threads N`" + ` and ` + "`--help`" + `; the conventions all
commands share are in the [README](../../README.md#commands).

<!-- Generated from the command tree by TestHelpIndex in cmd/recurrent; rewrite with
RECURRENT_UPDATE_DOCS=1 go test ./cmd/recurrent -run TestHelpIndex -->

`)
	pages := docs.Pages()
	for _, c := range helpCommands() {
		path := helpPath(c)
		name := "`recurrent " + path + "`"
		if page := docs.Page(path); slices.Contains(pages, page) {
			name = "[" + name + "](" + page + ")"
		}
		b.WriteString(strings.Repeat("  ", strings.Count(path, " ")) + "- " + name + ": " + markdownEscape(c.Short) + "\n")
	}
	return b.String()
}

// markdownEscape escapes the characters of s that Markdown would take for
// markup (emphasis, links, HTML tags, code), so s renders as written.
func markdownEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "<", `\<`, ">", `\>`, "[", `\[`, "]", `\]`).Replace(s)
}

// TestHelpIndex checks that docs/cli/README.md lists every command with its
// current Short and page link; with RECURRENT_UPDATE_DOCS=1 it rewrites the
// file instead.
func TestHelpIndex(t *testing.T) {
	file := filepath.Join("..", "..", "docs", "cli", "README.md")
	want := helpIndex()
	if os.Getenv("RECURRENT_UPDATE_DOCS") == "1" {
		if err := os.WriteFile(file, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("%s is out of date with the commands; rewrite it with\n"+
			"RECURRENT_UPDATE_DOCS=1 go test ./cmd/recurrent -run TestHelpIndex\ngot:\n%s\nwant:\n%s", file, got, want)
	}
	for _, c := range helpCommands() {
		if !strings.Contains(want, "`recurrent "+helpPath(c)+"`") {
			t.Errorf("the index lacks %q", helpPath(c))
		}
	}
}

// TestCommandsArgs checks that every command that runs says what
// arguments it takes (addCommands makes it none unless the command says
// otherwise), so that a stray argument is refused rather than ignored.
func TestCommandsArgs(t *testing.T) {
	for _, c := range helpCommands() {
		if c.Runnable() && c.Args == nil {
			t.Errorf("%q: no Args", helpPath(c))
		}
	}
	if _, err := runCLIIn(t, "", "classify", "eval", "--model", "m", "--data", "d", "stray"); err == nil || !strings.Contains(err.Error(), `unknown command "stray"`) {
		t.Errorf("a stray argument to classify eval: %v", err)
	}
}
