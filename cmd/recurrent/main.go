// Command recurrent trains and uses recurrent sequence models and word
// embeddings. Each group of subcommands lives in its own file and registers
// itself on the root command in init.
package main

import (
	"os"
	"slices"
	"strings"

	"github.com/recurrent-go/recurrent/docs"
	"github.com/recurrent-go/recurrent/internal/cli"
	"github.com/spf13/cobra"
)

var rootCmd = &cobra.Command{
	Use:           "recurrent",
	Short:         "Sequence models and word embeddings in one Go binary",
	SilenceUsage:  true,
	SilenceErrors: true,
	Args:          cobra.ArbitraryArgs,
	RunE:          cli.RunGroup,
	// A group runs only to refuse what is not one of its commands.
	DisableFlagsInUseLine: true,
}

// newGroup adds to the root the command use (described by short), which
// groups the subcommands cmds.
func newGroup(use, short string, cmds ...*cobra.Command) {
	g := &cobra.Command{Use: use, Short: short, Args: cobra.ArbitraryArgs, RunE: cli.RunGroup, DisableFlagsInUseLine: true}
	addCommands(rootCmd, g)
	addCommands(g, cmds...)
}

// addCommands adds cmds to parent (itself in the tree), each with its page
// in docs/cli, if it has one, as its long help (docs.Help of its path:
// "lm train" for "recurrent lm train"). A command that runs takes no
// arguments unless it says otherwise (cobra.NoArgs).
func addCommands(parent *cobra.Command, cmds ...*cobra.Command) {
	for _, c := range cmds {
		if c.Args == nil && c.Runnable() {
			c.Args = cobra.NoArgs
		}
		if c.Args != nil {
			c.Args = cli.UsageArgs(c.Args)
		}
		parent.AddCommand(c)
		path := strings.TrimPrefix(c.CommandPath(), rootCmd.Name()+" ")
		if slices.Contains(docs.Pages(), docs.Page(path)) {
			c.Long = docs.Help(path)
		}
	}
}

// main exits as Unix tools do (cli.Status): 2 for a usage error, 128+N
// when signal N stopped the command, 1 for any other failure.
func main() {
	os.Exit(cli.Execute(rootCmd))
}
