package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/recurrent-go/recurrent/seq2seq"
	"github.com/spf13/cobra"
)

// translateCmd groups the sequence-to-sequence subcommands (bleu,
// gen-dates; training and decoding register here later).
var translateCmd = &cobra.Command{
	Use:   "translate",
	Short: "Sequence-to-sequence translation: BLEU scoring and data generation",
}

func init() {
	rootCmd.AddCommand(translateCmd)
	translateCmd.AddCommand(newTranslateBLEUCmd(), newTranslateGenDatesCmd())
}

func newTranslateBLEUCmd() *cobra.Command {
	var (
		refPath, hypPath string
		asJSON           bool
	)
	cmd := &cobra.Command{
		Use:   "bleu --ref FILE --hyp FILE",
		Short: "Corpus BLEU-4 of tokenized hypotheses, as sacreBLEU computes it",
		Long: `Bleu compares hypothesis lines with reference lines (one reference each, same
line count) and prints corpus BLEU-4 exactly as sacreBLEU does with
tokenize=none, smooth=exp and no effective order: tokens are whitespace
separated, the brevity penalty uses corpus lengths, the score is 0-100.
"-" reads a file from standard input.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if refPath == "" || hypPath == "" {
				return fmt.Errorf("translate bleu: both --ref and --hyp are required")
			}
			refs, err := seq2seq.ReadLines(refPath)
			if err != nil {
				return err
			}
			hyps, err := seq2seq.ReadLines(hypPath)
			if err != nil {
				return err
			}
			if len(refs) != len(hyps) {
				return fmt.Errorf("translate bleu: %s has %d lines but %s has %d; they must match line for line",
					displayName(hypPath), len(hyps), displayName(refPath), len(refs))
			}
			b, err := seq2seq.CorpusBLEU(hyps, refs)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(b)
			}
			_, err = fmt.Fprintln(out, b.String())
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&refPath, "ref", "", "reference file, one segment per line")
	f.StringVar(&hypPath, "hyp", "", "hypothesis file, one segment per line")
	f.BoolVar(&asJSON, "json", false, `print {"bleu", "precisions", "bp", "sys_len", "ref_len", ...} as JSON`)
	return cmd
}

func newTranslateGenDatesCmd() *cobra.Command {
	var (
		opts     seq2seq.DateOptions
		out      string
		from, to string
	)
	cmd := &cobra.Command{
		Use:   "gen-dates --n N --seed S --out DIR",
		Short: "Generate the human-readable date -> ISO date task (train/dev/test TSV)",
		Long: `Gen-dates writes DIR/train.tsv, DIR/dev.tsv and DIR/test.tsv with lines
"source<TAB>target", e.g. "Tuesday, April 7, 1998<TAB>1998-04-07" or
"the 4th of July 1776<TAB>1776-07-04", in many English formats (numeric US,
European and ISO, month names and abbreviations, weekdays, ordinals in
digits and words, two-digit years for 1950-2049) with random casing and
light noise. Dates run from --from to --to (by default the years 1000 to
2999; half of them are drawn from 1900-2099, where most typed dates lie).
Splits share no calendar date; the same --seed gives the same files.

translate train records the span of the training dates in the model's
config ("trained_dates"), and translate run warns about input years
outside it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if from != "" {
				if opts.From, err = time.Parse(time.DateOnly, from); err != nil {
					return fmt.Errorf("translate gen-dates: --from: %w", err)
				}
			}
			if to != "" {
				if opts.To, err = time.Parse(time.DateOnly, to); err != nil {
					return fmt.Errorf("translate gen-dates: --to: %w", err)
				}
			}
			// On the command line 0 means no such split (the library's zero
			// value means the default share).
			if opts.DevFrac == 0 {
				opts.DevFrac = -1
			}
			if opts.TestFrac == 0 {
				opts.TestFrac = -1
			}
			paths, err := seq2seq.WriteDateSplits(cmd.Context(), out, opts)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "dates from %s to %s\n", from, to)
			for _, p := range paths {
				fmt.Fprintln(cmd.OutOrStdout(), p)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&opts.N, "n", 10000, "total number of examples")
	f.Uint64Var(&opts.Seed, "seed", 1, "random seed")
	f.StringVar(&out, "out", "dates", "output directory")
	f.StringVar(&from, "from", seq2seq.DefaultDateFrom.Format(time.DateOnly), "first date (YYYY-MM-DD)")
	f.StringVar(&to, "to", seq2seq.DefaultDateTo.Format(time.DateOnly), "last date (YYYY-MM-DD)")
	f.Float64Var(&opts.DevFrac, "dev-frac", 0.1, "share of examples in dev.tsv (0: none)")
	f.Float64Var(&opts.TestFrac, "test-frac", 0.1, "share of examples in test.tsv (0: none)")
	return cmd
}

// displayName names a path in messages, "-" being standard input.
func displayName(path string) string {
	if path == "-" {
		return "<stdin>"
	}
	return path
}
