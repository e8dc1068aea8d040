package main

import (
	"fmt"
	"maps"
	"runtime"
	"slices"

	"github.com/recurrent-go/recurrent/internal/cli"
	"github.com/recurrent-go/recurrent/tensor"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Flags shared by every command are defined once here: the persistent
// --threads, the root's check of every command's flag marks (internal/cli:
// required, positive, files read and written), and old flag spellings
// kept as deprecated aliases. (input.go holds the file conventions.)

func init() {
	rootCmd.PersistentFlags().Int("threads", runtime.GOMAXPROCS(0),
		"compute threads for every command, 1 to 4096; the default is all cores (GOMAXPROCS)")
	rootCmd.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		noteDeprecated(cmd)
		if err := cmd.ValidateRequiredFlags(); err != nil {
			return cli.Usage(err) // (cobra checks them after this hook)
		}
		if err := cli.CheckMarks(cmd, args); err != nil {
			return err
		}
		n, err := cli.Threads(cmd)
		if err != nil {
			return cli.Usage(err)
		}
		tensor.SetThreads(n)
		return nil
	}
}

// aliasesUsed records, per command, the deprecated spellings given on its
// command line (old name -> current name) until noteDeprecated prints them.
var aliasesUsed = map[*cobra.Command]map[string]string{}

// deprecatedAliases keeps the old spellings of cmd's flags working (old
// name -> current name): they are hidden from --help, and using one prints a
// note on standard error.
func deprecatedAliases(cmd *cobra.Command, old2new map[string]string) {
	cmd.Flags().SetNormalizeFunc(func(_ *pflag.FlagSet, name string) pflag.NormalizedName {
		if n, ok := old2new[name]; ok {
			if aliasesUsed[cmd] == nil {
				aliasesUsed[cmd] = map[string]string{}
			}
			aliasesUsed[cmd][name] = n
			return pflag.NormalizedName(n)
		}
		return pflag.NormalizedName(name)
	})
}

// noteDeprecated prints a note for each deprecated flag spelling cmd was
// given.
func noteDeprecated(cmd *cobra.Command) {
	used := aliasesUsed[cmd]
	for _, old := range slices.Sorted(maps.Keys(used)) {
		fmt.Fprintf(cmd.ErrOrStderr(), "recurrent: --%s is deprecated, use --%s\n", old, used[old])
	}
	delete(aliasesUsed, cmd)
}
