package main

import (
	"fmt"
	"io"
	"maps"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/recurrent-go/recurrent/tensor"
	"github.com/recurrent-go/recurrent/text"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Flags and conventions shared by every command are defined once here:
// the persistent --threads, "-" for standard input and output, and old flag
// spellings kept as deprecated aliases.

func init() {
	rootCmd.PersistentFlags().Int("threads", runtime.GOMAXPROCS(0),
		"compute threads for every command, at least 1; the default is all cores (GOMAXPROCS)")
	rootCmd.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		noteDeprecated(cmd)
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

// stdio gives "-" its meaning for cmd: its standard input where a file is
// read, its standard output where one is written.
func stdio(cmd *cobra.Command) text.Stdio {
	return text.Stdio{In: cmd.InOrStdin(), Out: cmd.OutOrStdout()}
}

// reportTo is where a command that writes the file out prints its report:
// standard output, or standard error when the file itself goes to standard
// output ("-").
func reportTo(cmd *cobra.Command, out string) io.Writer {
	if out == "-" {
		return cmd.ErrOrStderr()
	}
	return cmd.OutOrStdout()
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

// readInput reads path ("-": cmd's standard input; .gz decompressed) with
// read, which is given the name to use in messages.
func readInput[T any](cmd *cobra.Command, path string, read func(r io.Reader, name string) (T, error)) (T, error) {
	var v T
	err := stdio(cmd).ReadFile(path, func(r io.Reader, name string) error {
		var err error
		v, err = read(r, name)
		return err
	})
	return v, err
}

// named adapts a reader that does not name its input for readInput: its
// errors get the name in front.
func named[T any](read func(io.Reader) (T, error)) func(io.Reader, string) (T, error) {
	return func(r io.Reader, name string) (T, error) {
		v, err := read(r)
		if err != nil {
			err = fmt.Errorf("%s: %w", name, err)
		}
		return v, err
	}
}

// readLines returns the lines of path ("-": standard input).
func readLines(cmd *cobra.Command, path string) ([]string, error) {
	return readInput(cmd, path, func(r io.Reader, name string) ([]string, error) {
		var lines []string
		err := text.ReadLines(r, name, func(_ int, l string) error {
			lines = append(lines, l)
			return nil
		})
		return lines, err
	})
}

// inputLines returns the lines of text a command works on, blank ones
// skipped and surrounding white space trimmed: those of each --text, else of
// the files ("-": standard input), else of standard input.
func inputLines(cmd *cobra.Command, texts, files []string) ([]string, error) {
	var out []string
	keep := func(l string) {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	for _, t := range texts {
		for l := range strings.Lines(t) {
			keep(l)
		}
	}
	if len(texts) > 0 {
		return out, nil
	}
	if len(files) == 0 {
		files = []string{"-"}
	}
	for _, path := range files {
		lines, err := readLines(cmd, path)
		if err != nil {
			return nil, err
		}
		for _, l := range lines {
			keep(l)
		}
	}
	return out, nil
}

// nonEmpty returns the paths that are not "": an optional --file flag as a
// list of files.
func nonEmpty(paths ...string) []string {
	var out []string
	for _, p := range paths {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// markRequired marks cmd's flags as required: cobra then refuses to run the
// command without them, naming the missing ones.
func markRequired(cmd *cobra.Command, names ...string) {
	for _, n := range names {
		if err := cmd.MarkFlagRequired(n); err != nil {
			panic(err) // a flag name misspelt in the source
		}
	}
}

// inputFiles returns the files a command reads: its arguments, or standard
// input ("-") without any.
func inputFiles(args []string) []string {
	if len(args) == 0 {
		return []string{"-"}
	}
	return args
}
