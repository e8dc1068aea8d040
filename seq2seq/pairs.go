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

	"github.com/recurrent-go/recurrent/text"
)

// Pair is one source/target example.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type Pair struct {
	Source string
	Target string
}

// ReadPairs reads "source<TAB>target" lines. Blank lines are skipped; a
// trailing "\r" is removed; any other line must contain exactly one TAB
// and a source that is not blank (the target may be empty).
// name is used in error messages ("name:line: ...").
func ReadPairs(r io.Reader, name string) ([]Pair, error) {
	var out []Pair
	err := text.ReadLines(r, name, func(lineNo int, line string) error {
		if strings.TrimSpace(line) == "" {
			return nil
		}
		src, tgt, ok := strings.Cut(line, "\t")
		if !ok {
			return fmt.Errorf("%s:%d: expected source<TAB>target, found no TAB", name, lineNo)
		}
		if strings.Contains(tgt, "\t") {
			return fmt.Errorf("%s:%d: expected source<TAB>target, found more than one TAB", name, lineNo)
		}
		if strings.TrimSpace(src) == "" {
			// As ReadSources refuses it; Encode would name the pair's
			// index, which blank lines make differ from its line.
			return fmt.Errorf("%s:%d: empty source", name, lineNo)
		}
		out = append(out, Pair{Source: src, Target: tgt})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ReadPairsFile reads a pair file, plain or gzip-compressed ("-": standard
// input, see text.OpenFile); see ReadPairs.
func ReadPairsFile(path string) ([]Pair, error) {
	f, err := text.OpenFile(path)
	if err != nil {
		return nil, fmt.Errorf("seq2seq: %w", err)
	}
	defer f.Close()
	return ReadPairs(f, text.DisplayName(path))
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

// ReadLines reads a text file (plain or gzip-compressed) into lines
// (without "\n" or a trailing "\r"); "-" reads standard input. Invalid
// UTF-8 is an error naming the line.
func ReadLines(path string) ([]string, error) {
	var r io.Reader = os.Stdin
	name := "<stdin>"
	if path != "-" {
		f, err := text.OpenFile(path)
		if err != nil {
			return nil, fmt.Errorf("seq2seq: %w", err)
		}
		defer f.Close()
		r, name = f, path
	}
	var out []string
	err := text.ReadLines(r, name, func(_ int, line string) error {
		out = append(out, line)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
