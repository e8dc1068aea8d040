package main

import (
	"fmt"
	"runtime"
	"strconv"

	"github.com/recurrent-go/recurrent/tensor"
	"github.com/spf13/cobra"
)

// Flags shared by every command are defined once here, on the root command.

func init() {
	rootCmd.PersistentFlags().Int("threads", runtime.GOMAXPROCS(0),
		"compute threads for every command, at least 1 (default: all cores, GOMAXPROCS)")
	rootCmd.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		n, err := threadsFlag(cmd)
		if err != nil {
			return err
		}
		tensor.SetThreads(n)
		return nil
	}
}

// threadsFlag returns cmd's validated --threads: the persistent root flag
// (or, while a training command still registers its own, that one). Not
// given, it is GOMAXPROCS; given, it must be at least 1. The root's
// PersistentPreRunE has already applied it with tensor.SetThreads, so only a
// command passing the count on (vectors train, bench) needs to call this.
func threadsFlag(cmd *cobra.Command) (int, error) {
	f := cmd.Flags().Lookup("threads")
	if f == nil || !f.Changed {
		return runtime.GOMAXPROCS(0), nil
	}
	n, err := strconv.Atoi(f.Value.String())
	if err != nil || n < 1 {
		return 0, fmt.Errorf("--threads must be at least 1, got %s (leave it out for all %d cores)", f.Value, runtime.GOMAXPROCS(0))
	}
	return n, nil
}
