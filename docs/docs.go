// Package docs holds the reference documentation of the recurrent command:
// one Markdown page per command in docs/cli, named by the command's path
// ("lm train" is cli/lm-train.md), and an index, cli/README.md. The binary
// embeds the pages, so the text that "recurrent lm train --help" prints and
// the page a reader opens on GitHub are the same bytes.
//
// A page is a title, then the help text in one fenced block
//
//	# recurrent lm train
//
//	```text
//	Train an embedding -> stacked RNN -> softmax language model ...
//	```
//
// and anything after the block (such as a link back to the index). Help
// returns the text between the fences.
package docs

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed cli/*.md
var cli embed.FS

// index is the name of the index page in cli, the one page that is not a
// command's help.
const index = "README.md"

// Fences around the help text in a page.
const (
	fenceOpen  = "\n```text\n"
	fenceClose = "\n```\n"
)

// Help returns the help text of the command with path path: its
// subcommand names after "recurrent", separated by single spaces ("lm
// train", "serve"). The text is what cobra's Long field holds: no trailing
// newline. A path without a page, or a page without a fenced help text, is a
// programming error and panics, so that a missing page stops every test of
// the command rather than printing an empty help.
func Help(path string) string {
	text, err := help(path)
	if err != nil {
		panic(err)
	}
	return text
}

// help reads the page of path and cuts the help text out of its fences.
func help(path string) (string, error) {
	name := "cli/" + Page(path)
	b, err := cli.ReadFile(name)
	if err != nil {
		return "", fmt.Errorf("docs: no help page for command %q: %w", path, err)
	}
	page := string(b)
	i := strings.Index(page, fenceOpen)
	if i < 0 {
		return "", fmt.Errorf("docs: %s: no %q line opening the help text", name, strings.TrimSpace(fenceOpen))
	}
	text := page[i+len(fenceOpen):]
	j := strings.Index(text, fenceClose)
	if j < 0 {
		return "", fmt.Errorf("docs: %s: the help text has no closing ``` line", name)
	}
	text = text[:j]
	if strings.TrimSpace(text) == "" {
		return "", fmt.Errorf("docs: %s: empty help text", name)
	}
	return text, nil
}

// Page returns the file name, in docs/cli, of the help page of the command
// with path path: the path with its spaces replaced by hyphens and ".md"
// appended ("lm train-labels" is "lm-train-labels.md").
func Page(path string) string {
	return strings.ReplaceAll(path, " ", "-") + ".md"
}

// Pages returns the file names of every help page in docs/cli, sorted: every
// page but the index, README.md. Names map back to paths only through the
// command tree (a hyphen may separate two names or sit inside one), so a
// test of the command compares Pages with the Page of each of its commands.
func Pages() []string {
	names, err := fs.Glob(cli, "cli/*.md")
	if err != nil {
		panic(err) // only a malformed pattern fails
	}
	var pages []string
	for _, n := range names {
		if n = strings.TrimPrefix(n, "cli/"); n != index {
			pages = append(pages, n)
		}
	}
	sort.Strings(pages)
	return pages
}
