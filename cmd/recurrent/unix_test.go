package main

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// The command line as a Unix user drives it: results on standard output
// that fail to be written, standard input named "-", signals.

// fullWriter is standard output on a full disk (/dev/full): every write
// fails.
type fullWriter struct{}

func (fullWriter) Write([]byte) (int, error) { return 0, syscall.ENOSPC }

// runCLIFull runs the root command with args and stdin, its standard
// output failing every write, and returns the command's error.
func runCLIFull(t *testing.T, stdin string, args ...string) error {
	t.Helper()
	resetFlags(rootCmd)
	var errOut strings.Builder
	rootCmd.SetOut(fullWriter{})
	rootCmd.SetErr(&errOut)
	rootCmd.SetIn(strings.NewReader(stdin))
	rootCmd.SetArgs(args)
	return rootCmd.ExecuteContext(context.Background())
}

// TestStdoutWriteFails: a command whose results cannot be written (a full
// disk) fails, naming the error, even when the results are short enough
// to sit in a buffer until the end (lm score and translate run exited 0
// with `> /dev/full`: the buffer's flush error was dropped).
func TestStdoutWriteFails(t *testing.T) {
	ck, _ := trainCharLM(t)
	dir := t.TempDir()
	if _, err := runCLIIn(t, "", "translate", "gen-dates", "--n", "100", "--out", dir); err != nil {
		t.Fatal(err)
	}
	tr := filepath.Join(dir, "ck")
	if _, err := runCLIIn(t, "", "translate", "train", "--train", filepath.Join(dir, "train.tsv"), "--out", tr,
		"--embed", "4", "--hidden", "4", "--epochs", "1", "--quiet"); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"lm", "score", "--model", ck, "--text", "stegosaurus"},
		{"lm", "score", "--model", ck, "--text", "stegosaurus", "--json"},
		{"lm", "sample", "--model", ck, "--length", "5"},
		{"translate", "run", "--model", tr, "--file", "-"},
		{"translate", "run", "--model", tr, "--file", "-", "--json"},
		{"vectors", "similarity", "--vectors", tinyVectors, "man", "woman"},
	} {
		err := runCLIFull(t, "July 4th 1976\n", args...)
		if !errors.Is(err, syscall.ENOSPC) {
			t.Errorf("%s with standard output full: err = %v, want %v", strings.Join(args[:2], " "), err, syscall.ENOSPC)
		}
	}
}
