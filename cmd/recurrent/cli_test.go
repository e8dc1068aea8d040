package main

import (
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/tensor"
	"github.com/spf13/cobra"
)

// TestThreadsPersistent: --threads is one root flag that every command
// accepts and that is validated once, before the command runs.
func TestThreadsPersistent(t *testing.T) {
	defer tensor.SetThreads(tensor.Threads())
	for _, args := range [][]string{
		{"vectors", "similarity", "--vectors", tinyVectors, "man", "woman"},
		{"vectors", "eval", "--vectors", tinyVectors, "--no-analogy"},
		{"translate", "bleu", "--ref", "-", "--hyp", "-"},
	} {
		tensor.SetThreads(0)
		if _, err := runCLIIn(t, "a b c\n", append(args, "--threads", "1")...); err != nil {
			t.Fatalf("%v --threads 1: %v", args, err)
		}
		if got := tensor.Threads(); got != 1 {
			t.Errorf("%v --threads 1: tensor.Threads() = %d", args, got)
		}
		for _, bad := range []string{"0", "-3", "x"} {
			_, err := runCLIIn(t, "", append(args, "--threads", bad)...)
			if err == nil || !strings.Contains(err.Error(), "--threads") {
				t.Errorf("%v --threads %s: err = %v, want a --threads error", args, bad, err)
			}
		}
	}
	// No command registers a flag of its own named threads, apart from the
	// training commands that are moving to the shared loop.
	training := map[string]bool{"recurrent lm train": true, "recurrent lm train-labels": true,
		"recurrent classify train": true, "recurrent tag train": true, "recurrent translate train": true}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.LocalNonPersistentFlags().Lookup("threads") != nil && !training[c.CommandPath()] {
			t.Errorf("%s registers its own --threads", c.CommandPath())
		}
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(rootCmd)
}
