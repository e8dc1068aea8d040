package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/spf13/cobra"

	"github.com/recurrent-go/recurrent/infer"
	"github.com/recurrent-go/recurrent/lm"
	"github.com/recurrent-go/recurrent/text"
)

// lmScoreFlags are the flags of `recurrent lm score`.
type lmScoreFlags struct {
	model string
	texts []string
	files []string
	batch int
	json  bool
	int8  bool
}

func newLMScoreCmd() *cobra.Command {
	var f lmScoreFlags
	cmd := &cobra.Command{
		Use:   "score --model DIR (--text TEXT | --file FILE | FILE...)",
		Short: "Log-probability and perplexity of every line of text",
		Long: `Score each line of --text, the files (--file or arguments), or standard input
independently: the natural log-probability of its tokens and end-of-line
token given a line boundary, and its perplexity. Output: one tab-separated
line per input line (logprob, tokens, perplexity, text) with the totals on
standard error, or with --json one object
{"lines": [{"text", "logprob", "tokens"}], "total_logprob", "tokens",
"perplexity", "bits_per_token", "bits_per_char" (character models)}.`,
		RunE: func(cmd *cobra.Command, args []string) error { return runLMScore(cmd, &f, args) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.model, "model", "", "checkpoint directory, or DIR/best.safetensors for its best-validation weights (required)")
	fl.StringArrayVar(&f.texts, "text", nil, "text to score (repeatable; each line scored separately)")
	fl.StringArrayVar(&f.files, "file", nil, `file to score, plain or .gz, "-" standard input (repeatable; same as an argument)`)
	fl.IntVar(&f.batch, "batch", 64, "lines scored together")
	fl.BoolVar(&f.json, "json", false, "print one JSON object (see above)")
	markRequired(cmd, "model")
	addInt8Flag(cmd, &f.int8)
	return cmd
}

func runLMScore(cmd *cobra.Command, f *lmScoreFlags, args []string) error {
	m, err := lm.LoadPath(f.model, f.int8)
	if err != nil {
		return err
	}
	if m.Vocab == nil {
		return fmt.Errorf("lm score: %s has no vocab.json: the model cannot encode text without its vocabulary", f.model)
	}
	l, err := infer.NewLM(m)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(cmd.OutOrStdout())
	defer w.Flush()
	lines := []infer.ScoreLine{}
	sc, err := l.NewScorer(f.batch, func(s infer.ScoreLine) error {
		if f.json {
			lines = append(lines, s)
		} else {
			fmt.Fprintf(w, "%.4f\t%d\t%.3f\t%s\n", s.LogProb, s.Tokens, s.Perplexity(), s.Text)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("lm score: %w", err)
	}
	read := func(r io.Reader, name string) error { return sc.Read(cmd.Context(), r, name) }
	if err := eachInput(cmd, f.texts, append(slices.Clone(f.files), args...), read); err != nil {
		return err
	}
	res, err := sc.Total(cmd.Context())
	switch {
	case err != nil:
		return err
	case res.Tokens == 0:
		return errors.New("lm score: no tokens to score")
	case f.json:
		res.Lines = lines
		return writeJSON(w, res)
	}
	return res.WriteTotal(cmd.ErrOrStderr(), m.Config.BitsUnit())
}

// lmEvalFlags are the flags of `recurrent lm eval`.
type lmEvalFlags struct {
	model       string
	batch, bptt int
	json        bool
	int8        bool
}

func newLMEvalCmd() *cobra.Command {
	var f lmEvalFlags
	cmd := &cobra.Command{
		Use:   "eval --model DIR [FILE...]",
		Short: "Perplexity of text read as one stream (as in training)",
		Long: `Evaluate the model on the files read as one token stream, cut into --batch
contiguous streams read in chunks of --bptt with the state carried, as
validation during training does (the usual PTB test perplexity protocol).
Without FILE, or with "-", it reads standard input.`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runLMEval(cmd, &f, args) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.model, "model", "", "checkpoint directory, or DIR/best.safetensors for its best-validation weights (required)")
	fl.IntVar(&f.batch, "batch", 10, "parallel streams")
	fl.IntVar(&f.bptt, "bptt", 64, "chunk length")
	fl.BoolVar(&f.json, "json", false, "print the metrics as JSON")
	markRequired(cmd, "model")
	addInt8Flag(cmd, &f.int8)
	return cmd
}

func runLMEval(cmd *cobra.Command, f *lmEvalFlags, args []string) error {
	m, err := lm.LoadPath(f.model, f.int8)
	if err != nil {
		return err
	}
	if m.Vocab == nil {
		return fmt.Errorf("lm eval: %s has no vocabulary", f.model)
	}
	var ids []int32
	for _, p := range inputFiles(args) {
		got, err := readInput(cmd, p, func(r io.Reader, name string) ([]int32, error) {
			return text.EncodeReader(m.Vocab, &m.Config.Tokenizer, r, name)
		})
		if err != nil {
			return err
		}
		ids = append(ids, got...)
	}
	met, err := m.Evaluate(cmd.Context(), ids, f.batch, f.bptt)
	if err != nil {
		return err
	}
	if f.json {
		return writeJSON(cmd.OutOrStdout(), met)
	}
	_, err = fmt.Fprintln(cmd.OutOrStdout(), met.Text(m.Config.BitsUnit()))
	return err
}
