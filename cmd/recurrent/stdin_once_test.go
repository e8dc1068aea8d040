package main

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/internal/cli"
)

// TestStdinReadOnce: standard input can be read once, so a command given
// "-" for two of its inputs is a usage error naming them, before any work.
// vectors eval --vectors - --analogy - read the vectors and then an empty
// analogy file, and reported 0.00% (0/0) as a success; lm score with "-"
// twice scored the lines once and the second "-" as nothing.
func TestStdinReadOnce(t *testing.T) {
	tiny, err := os.ReadFile(tinyVectors)
	if err != nil {
		t.Fatal(err)
	}
	const analogies = "../../vectors/testdata/tiny_analogies.txt"
	out := t.TempDir() + "/out"
	if _, err := runCLIIn(t, string(tiny), "vectors", "eval", "--vectors", "-", "--analogy", analogies); err != nil {
		t.Fatalf("one input from standard input: %v", err)
	}
	for _, c := range []struct {
		args  []string
		names []string
	}{
		{[]string{"vectors", "eval", "--vectors", "-", "--analogy", "-"}, []string{"--vectors", "--analogy"}},
		{[]string{"vectors", "eval", "--vectors", tinyVectors, "--no-analogy", "--similarity", "-", "--similarity", "-"}, []string{"--similarity", "--similarity"}},
		{[]string{"vectors", "debias", "--vectors", "-", "--analogy", "-", "--out", out + ".txt"}, []string{"--vectors", "--analogy"}},
		{[]string{"lm", "score", "--model", "m", "--file", "-", "-"}, []string{"--file", "argument -"}},
		{[]string{"lm", "eval", "--model", "m", "-", "-"}, []string{"argument -", "argument -"}},
		{[]string{"classify", "score", "--data", "-", "--pred", "-"}, []string{"--data", "--pred"}},
		{[]string{"classify", "train", "--train", "-", "--valid", "-", "--out", out}, []string{"--train", "--valid"}},
		{[]string{"lm", "train-labels", "--train", "-", "--valid", "-", "--out", out}, []string{"--train", "--valid"}},
		{[]string{"translate", "bleu", "--ref", "-", "--hyp", "-"}, []string{"--hyp", "--ref"}},
	} {
		_, err := runCLIIn(t, string(tiny), c.args...)
		ok := errors.As(err, new(cli.UsageError)) && strings.Contains(err.Error(), "standard input")
		for _, n := range c.names {
			ok = ok && strings.Contains(err.Error(), n)
		}
		if !ok {
			t.Errorf("%s: %v; want a usage error naming %s", strings.Join(c.args, " "), err, strings.Join(c.names, " and "))
		}
	}
}
