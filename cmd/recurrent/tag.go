package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/recurrent-go/recurrent/tag"
	"github.com/spf13/cobra"
)

// tagCmd groups the sequence-tagging subcommands (score, convert; training
// and prediction register here later).
var tagCmd = &cobra.Command{
	Use:   "tag",
	Short: "Sequence tagging (NER, chunking): scoring and tag-scheme tools",
}

func init() {
	rootCmd.AddCommand(tagCmd)
	tagCmd.AddCommand(newTagScoreCmd(), newTagConvertCmd())
}

func newTagScoreCmd() *cobra.Command {
	var (
		asJSON bool
		opts   tag.EvalOptions
	)
	cmd := &cobra.Command{
		Use:   "score FILE",
		Short: "Score tagged output exactly as conlleval does",
		Long: `Score reads conlleval's input format: one token per line, fields separated by
the delimiter (default one space), the last two fields being the gold and the
predicted tag; blank lines separate sentences. FILE "-" reads standard input.
It prints conlleval's report (or JSON with --json; percentages 0-100).
IOB1, IOB2 and IOBES tags are accepted; as in conlleval, a -DOCSTART- line
counts as an O token.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := tag.EvaluateFile(args[0], opts)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if !asJSON {
				return r.WriteConlleval(out)
			}
			type typeScore struct {
				Precision float64 `json:"precision"`
				Recall    float64 `json:"recall"`
				F1        float64 `json:"f1"`
				Gold      int     `json:"gold"`
				Found     int     `json:"found"`
				Correct   int     `json:"correct"`
			}
			js := struct {
				Precision float64              `json:"precision"`
				Recall    float64              `json:"recall"`
				F1        float64              `json:"f1"`
				Accuracy  float64              `json:"accuracy"`
				Tokens    int                  `json:"tokens"`
				Gold      int                  `json:"gold_phrases"`
				Found     int                  `json:"found_phrases"`
				Correct   int                  `json:"correct_phrases"`
				PerType   map[string]typeScore `json:"per_type"`
			}{r.Precision, r.Recall, r.F1, r.Accuracy, r.Tokens, r.Gold, r.Found, r.Correct, map[string]typeScore{}}
			for t, s := range r.PerType {
				js.PerType[t] = typeScore(s)
			}
			enc := json.NewEncoder(out)
			enc.SetIndent("", "  ")
			return enc.Encode(js)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&asJSON, "json", false, "print JSON instead of conlleval's report")
	f.StringVarP(&opts.Delimiter, "delimiter", "d", " ", "field delimiter (conlleval -d)")
	f.BoolVarP(&opts.Raw, "raw", "r", false, "tags have no B-/I- prefixes; each non-O token is a chunk (conlleval -r)")
	f.StringVarP(&opts.OTag, "otag", "o", "O", "outside tag for --raw (conlleval -o)")
	return cmd
}

func newTagConvertCmd() *cobra.Command {
	var (
		to, from  string
		tagColumn int
	)
	cmd := &cobra.Command{
		Use:   "convert FILE",
		Short: "Convert the tag column of a CoNLL file between iob1, iob2 and iobes",
		Long: `Convert reads a CoNLL column file (FILE "-" for standard input) and writes it to
standard output with the tag column re-encoded in the --to scheme. -DOCSTART-
lines are kept. With --from, each sentence is first validated against that
scheme and the first violation is reported with its line.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			target, err := tag.ParseScheme(to)
			if err != nil {
				return err
			}
			var ss []tag.Sentence
			ropts := tag.ReadOptions{TagColumn: tagColumn, KeepDocStart: true}
			if args[0] == "-" {
				ss, err = tag.ReadCoNLL(os.Stdin, "<stdin>", ropts)
			} else {
				ss, err = tag.ReadCoNLLFile(args[0], ropts)
			}
			if err != nil {
				return err
			}
			col := tagColumn
			for i := range ss {
				s := &ss[i]
				if len(s.Fields) == 1 && s.Tokens[0] == tag.DocStart {
					continue
				}
				if from != "" {
					src, err := tag.ParseScheme(from)
					if err != nil {
						return err
					}
					if err := tag.Validate(s.Tags, src); err != nil {
						var se *tag.SchemeError
						if errors.As(err, &se) {
							return fmt.Errorf("%s:%d: %w", args[0], s.Line+se.Index, err)
						}
						return err
					}
				}
				s.Tags = tag.Convert(s.Tags, target)
				for k, row := range s.Fields {
					c := col
					if c == 0 {
						c = len(row) - 1
					} else if c < 0 {
						c += len(row)
					}
					row[c] = s.Tags[k]
				}
			}
			return tag.WriteCoNLL(cmd.OutOrStdout(), ss, true)
		},
	}
	f := cmd.Flags()
	f.StringVar(&to, "to", "iob2", "target scheme: iob1, iob2 or iobes")
	f.StringVar(&from, "from", "", "validate sentences against this scheme first")
	f.IntVar(&tagColumn, "tag-column", 0, "0-based tag column; 0 or negative counts from the end (0 = last)")
	return cmd
}
