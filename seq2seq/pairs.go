// Package seq2seq holds encoder-decoder models for sequence-to-sequence
// tasks: a bidirectional recurrent encoder, a decoder with Bahdanau or Luong
// attention (or none), teacher-forced training, greedy and beam-search
// decoding, and attention maps; plus source/target pair files, corpus BLEU
// exactly as sacreBLEU computes it, and a generator for the human-readable
// date to ISO date task.
package seq2seq

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
)

// Pair is one source/target example.
type Pair struct {
	Source string
	Target string
}

// ReadPairs reads "source<TAB>target" lines. Blank lines are skipped; a
// trailing "\r" is removed; any other line must contain exactly one TAB.
// name is used in error messages ("name:line: ...").
func ReadPairs(r io.Reader, name string) ([]Pair, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	var out []Pair
	lineNo := 0
	for sc.Scan() {
		lineNo++
		line := strings.TrimSuffix(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		src, tgt, ok := strings.Cut(line, "\t")
		if !ok {
			return nil, fmt.Errorf("%s:%d: expected source<TAB>target, found no TAB", name, lineNo)
		}
		if strings.Contains(tgt, "\t") {
			return nil, fmt.Errorf("%s:%d: expected source<TAB>target, found more than one TAB", name, lineNo)
		}
		out = append(out, Pair{Source: src, Target: tgt})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", name, lineNo+1, err)
	}
	return out, nil
}

// ReadPairsFile reads a pair file; see ReadPairs.
func ReadPairsFile(path string) ([]Pair, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("seq2seq: %w", err)
	}
	defer f.Close()
	return ReadPairs(f, path)
}

// WritePairs writes pairs as "source<TAB>target" lines. Sources and targets
// must not contain TABs or newlines.
func WritePairs(w io.Writer, pairs []Pair) error {
	bw := bufio.NewWriter(w)
	for i, p := range pairs {
		if strings.ContainsAny(p.Source, "\t\n") || strings.ContainsAny(p.Target, "\t\n") {
			return fmt.Errorf("seq2seq: pair %d contains a TAB or newline", i)
		}
		bw.WriteString(p.Source)
		bw.WriteByte('\t')
		bw.WriteString(p.Target)
		bw.WriteByte('\n')
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("seq2seq: write: %w", err)
	}
	return nil
}

// ReadLines reads a text file into lines (without "\n" or a trailing
// "\r"); "-" reads standard input.
func ReadLines(path string) ([]string, error) {
	var r io.Reader = os.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("seq2seq: %w", err)
		}
		defer f.Close()
		r = f
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	var out []string
	for sc.Scan() {
		out = append(out, strings.TrimSuffix(sc.Text(), "\r"))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", path, len(out)+1, err)
	}
	return out, nil
}
