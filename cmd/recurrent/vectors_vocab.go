package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/recurrent-go/recurrent/text"
)

func init() {
	var (
		corpus                             []string
		out, tokenizer, bos, eos, specials string
		lower, splitPunct, jsonOut         bool
		minCount                           int64
		maxVocab                           int
	)
	cmd := &cobra.Command{
		Use:   "vocab --corpus FILE... --out FILE",
		Short: "Count a corpus into a vocabulary file (what recurrent-beam vocab computes on a cluster)",
		Long: `Count the tokens of text files (plain or .gz) into a vocabulary file, the
input of --vocab for 'recurrent vectors train' and 'recurrent lm train'. The
Beam pipeline 'recurrent-beam vocab' with the same flags writes the same bytes.
For word vectors keep the defaults (whitespace tokens, no specials); for a
language model pass the tokenizer, --eos/--bos and --specials that lm train
would use (for example --tokenizer word --eos '<eos>' --specials '<unk>,<eos>'
--min-count 1).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			mode, err := text.ParseMode(tokenizer)
			if err != nil {
				return err
			}
			tok := text.Tokenizer{Mode: mode, Lower: lower, SplitPunct: splitPunct, BOS: bos, EOS: eos}
			opt := text.VocabOptions{Specials: []string{}, MinCount: minCount, MaxSize: maxVocab}
			if specials != "" {
				opt.Specials = strings.Split(specials, ",")
			}
			v, err := text.CountFiles(&tok, corpus, opt)
			if err != nil {
				return err
			}
			if err := text.SaveVocab(out, v); err != nil {
				return err
			}
			if jsonOut {
				return json.NewEncoder(cmd.OutOrStdout()).Encode(map[string]any{"vocab_size": v.Len(), "out": out})
			}
			fmt.Fprintf(cmd.OutOrStdout(), "vocabulary %d -> %s\n", v.Len(), out)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&corpus, "corpus", nil, "text files, plain or .gz (repeat or comma-separate)")
	fl.StringVar(&out, "out", "", "vocabulary file to write")
	fl.StringVar(&tokenizer, "tokenizer", "whitespace", "char, word or whitespace")
	fl.BoolVar(&lower, "lower", false, "lowercase the text")
	fl.BoolVar(&splitPunct, "split-punct", false, "word tokenizer: keep punctuation as separate tokens")
	fl.StringVar(&bos, "bos", "", "beginning-of-line token (default none)")
	fl.StringVar(&eos, "eos", "", "end-of-line token (default none)")
	fl.StringVar(&specials, "specials", "", "comma-separated special tokens placed first (default none)")
	fl.Int64Var(&minCount, "min-count", 5, "drop tokens seen fewer times")
	fl.IntVar(&maxVocab, "max-vocab", 0, "cap the vocabulary size, specials included (0: no cap)")
	fl.BoolVar(&jsonOut, "json", false, "print a JSON summary")
	_ = cmd.MarkFlagRequired("corpus")
	_ = cmd.MarkFlagRequired("out")
	vectorsCmd.AddCommand(cmd)
}
