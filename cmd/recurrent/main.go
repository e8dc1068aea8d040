// Command recurrent trains and uses recurrent sequence models and word
// embeddings. Each group of subcommands lives in its own file and registers
// itself on the root command in init.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

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
	g.AddCommand(cmds...)
	rootCmd.AddCommand(g)
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := rootCmd.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "recurrent:", err)
		os.Exit(1)
	}
}
