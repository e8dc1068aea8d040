package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

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
	tagCmd.AddCommand(newTagScoreCmd(), newTagConvertCmd(), newTagEvalCmd(), newTagPredictCmd())
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

func newTagEvalCmd() *cobra.Command {
	var (
		model, data string
		asJSON      bool
	)
	cmd := &cobra.Command{
		Use:   "eval --model DIR --data FILE",
		Short: "Tag a labelled CoNLL file and score it exactly as conlleval does",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if model == "" || data == "" {
				return errors.New("tag eval: --model and --data are required")
			}
			m, err := tag.Load(model)
			if err != nil {
				return err
			}
			sents, err := readCoNLL(data)
			if err != nil {
				return err
			}
			r, _, err := m.Score(cmd.Context(), sents, data, 128)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), r)
			}
			return r.WriteConlleval(cmd.OutOrStdout())
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&model, "model", "", "model directory written by tag train")
	fl.StringVar(&data, "data", "", "labelled CoNLL file")
	fl.BoolVar(&asJSON, "json", false, "print JSON (percentages 0-100, per type)")
	return cmd
}

func newTagPredictCmd() *cobra.Command {
	var (
		model, data, out string
	)
	cmd := &cobra.Command{
		Use:   "predict --model DIR --data FILE [--out FILE]",
		Short: "Tag a CoNLL file: each row gets a predicted tag column appended",
		Long: `Predict reads a CoNLL column file and writes it back with the predicted tag
appended to each row (so a labelled file becomes conlleval's input: token,
columns, gold tag, predicted tag, and can be scored with "tag score"). A file
of bare tokens (one column) is read as unlabelled text.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if model == "" || data == "" {
				return errors.New("tag predict: --model and --data are required")
			}
			m, err := tag.Load(model)
			if err != nil {
				return err
			}
			sents, err := tag.ReadCoNLLFile(data, tag.ReadOptions{KeepDocStart: true})
			if err != nil {
				return err
			}
			// -DOCSTART- rows are copied through with an O prediction.
			var keep []tag.Sentence
			for _, s := range sents {
				if !(len(s.Tokens) == 1 && s.Tokens[0] == tag.DocStart) {
					keep = append(keep, s)
				}
			}
			d, err := m.EncodeSentences(keep, data, false)
			if err != nil {
				return err
			}
			pred, err := m.Predict(cmd.Context(), d, 128)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if out != "" && out != "-" {
				fh, err := os.Create(out)
				if err != nil {
					return err
				}
				defer fh.Close()
				w = fh
			}
			bw := bufio.NewWriter(w)
			k := 0
			for _, s := range sents {
				var p []string
				if len(s.Tokens) == 1 && s.Tokens[0] == tag.DocStart {
					p = []string{"O"}
				} else {
					p = pred[k]
					k++
				}
				for i := range s.Tokens {
					fmt.Fprintf(bw, "%s %s\n", strings.Join(s.Fields[i], " "), p[i])
				}
				bw.WriteByte('\n')
			}
			if err := bw.Flush(); err != nil {
				return err
			}
			if fh, ok := w.(*os.File); ok && fh != os.Stdout {
				return fh.Close()
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&model, "model", "", "model directory written by tag train")
	fl.StringVar(&data, "data", "", "CoNLL file to tag")
	fl.StringVar(&out, "out", "", "output file (default: standard output)")
	return cmd
}
