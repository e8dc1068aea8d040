// Command recurrent trains and uses recurrent sequence models and word
// embeddings. Each group of subcommands lives in its own file and registers
// itself on the root command in init.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/recurrent-go/recurrent/docs"
	"github.com/spf13/cobra"
)

var rootCmd = &cobra.Command{
	Use:           "recurrent",
	Short:         "Sequence models and word embeddings in one Go binary",
	SilenceUsage:  true,
	SilenceErrors: true,
}

// newGroup adds to the root the command use (described by short), which
// groups the subcommands cmds.
func newGroup(use, short string, cmds ...*cobra.Command) {
	g := &cobra.Command{Use: use, Short: short}
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
		parent.AddCommand(c)
		path := strings.TrimPrefix(c.CommandPath(), rootCmd.Name()+" ")
		if slices.Contains(docs.Pages(), docs.Page(path)) {
			c.Long = docs.Help(path)
		}
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := rootCmd.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "recurrent:", err)
		os.Exit(1)
	}
}
