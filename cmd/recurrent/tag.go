package main

import (
	"errors"
	"io"

	"github.com/recurrent-go/recurrent/infer"
	"github.com/recurrent-go/recurrent/internal/cli"
	"github.com/recurrent-go/recurrent/tag"
	"github.com/recurrent-go/recurrent/text"
	"github.com/spf13/cobra"
)

func init() {
	newGroup("tag", "Sequence tagging (NER, chunking, part of speech): scoring and tag-scheme tools",
		newTagScoreCmd(), newTagConvertCmd(), newTagEvalCmd(), newTagPredictCmd(), newTagTrainCmd())
}

func newTagScoreCmd() *cobra.Command {
	var opts tag.EvalOptions
	cmd := newReportCmd(&cobra.Command{
		Use:   "score [FILE]",
		Short: "Score tagged output exactly as conlleval does",
		Args:  cobra.MaximumNArgs(1),
	}, "print JSON instead of conlleval's report", false, func(cmd *cobra.Command, args []string) (textWriter, error) {
		r, err := readInput(cmd, text.InputFiles(args)[0], func(r io.Reader, name string) (tag.Metrics, error) { return tag.Evaluate(r, name, opts) })
		return r.ScoreReport(), err
	})
	f := cmd.Flags()
	f.StringVarP(&opts.Delimiter, "delimiter", "d", " ", "field delimiter, a regular expression as in conlleval -d (e.g. '\\t')")
	f.BoolVarP(&opts.Raw, "raw", "r", false, "tags have no B-/I- prefixes; each non-O token is a chunk (conlleval -r)")
	f.StringVarP(&opts.OTag, "otag", "o", "O", "outside tag for --raw (conlleval -o)")
	return cmd
}

func newTagConvertCmd() *cobra.Command {
	var to, from string
	var tagColumn int
	cmd := &cobra.Command{
		Use:   "convert [FILE]",
		Short: "Convert the tag column of a CoNLL file between iob1, iob2 and iobes",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := text.InputFiles(args)[0]
			ss, err := readCoNLLInput(cmd, name, tag.ReadOptions{TagColumn: tagColumn, KeepDocStart: true})
			if err != nil {
				return err
			}
			if err := tag.Reencode(ss, name, tagColumn, from, to); err != nil {
				return err
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
	var model, data string
	cmd := newReportCmd(&cobra.Command{
		Use:   "eval --model DIR --data FILE",
		Short: "Tag a labelled CoNLL file and score it exactly as conlleval does",
	}, "print JSON (percentages 0-100, per type)", false, func(cmd *cobra.Command, args []string) (textWriter, error) {
		m, err := loadKind(model, infer.KindTag, tag.Load)
		if err != nil {
			return nil, err
		}
		sents, err := readCoNLLInput(cmd, data, tag.ReadOptions{KeepDocStart: true})
		if err != nil {
			return nil, err
		}
		r, _, err := m.Score(cmd.Context(), sents, data, 128)
		if err != nil {
			return nil, err
		}
		return &r, nil
	})
	fl := cmd.Flags()
	fl.StringVar(&model, "model", "", "model directory written by tag train")
	fl.StringVar(&data, "data", "", `labelled CoNLL file ("-": standard input)`)
	cli.MarkRequired(cmd, "model", "data")
	return cmd
}

// readCoNLLInput reads a column file from path ("-": standard input).
func readCoNLLInput(cmd *cobra.Command, path string, opts tag.ReadOptions) ([]tag.Sentence, error) {
	return readInput(cmd, path, func(r io.Reader, name string) ([]tag.Sentence, error) { return tag.ReadCoNLL(r, name, opts) })
}

type tagPredictFlags struct {
	model, data, out string
	in               cli.LineInputs
	asJSON           bool
}

func newTagPredictCmd() *cobra.Command {
	var f tagPredictFlags
	cmd := &cobra.Command{
		Use:   "predict --model DIR [--text TEXT | --file FILE | FILE... | --data CONLL] [--out FILE] [--json]",
		Short: "Tag raw text (one sentence per line) or a CoNLL file",
		RunE:  func(cmd *cobra.Command, args []string) error { return runTagPredict(cmd, &f, args) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.model, "model", "", "model directory written by tag train")
	f.in.Register(cmd, "raw text to tag (repeatable; each line a sentence)", `raw text file, one sentence per line ("-": standard input; repeatable, same as an argument)`)
	fl.StringVar(&f.data, "data", "", `CoNLL column file to tag ("-": standard input)`)
	fl.StringVar(&f.out, "out", "-", `output file ("-": standard output)`)
	cli.MarkOutputs(cmd, "out")
	cli.MarkInputs(cmd, "data")
	fl.BoolVar(&f.asJSON, "json", false, "one JSON object per sentence")
	cmd.MarkFlagsMutuallyExclusive("text", "data")
	cmd.MarkFlagsMutuallyExclusive("file", "data")
	cli.MarkRequired(cmd, "model")
	return cmd
}

func runTagPredict(cmd *cobra.Command, f *tagPredictFlags, args []string) error {
	if f.data != "" && len(args) > 0 {
		return cli.Usage(errors.New("--data and file arguments both name the input: give one"))
	}
	m, err := loadKind(f.model, infer.KindTag, tag.Load)
	if err != nil {
		return err
	}
	var tagged []tag.Tagged
	var sents []tag.Sentence
	if f.data != "" {
		if sents, err = readCoNLLInput(cmd, f.data, tag.ReadOptions{KeepDocStart: true, Untagged: true}); err == nil {
			tagged, err = m.TagCoNLL(cmd.Context(), sents, text.DisplayName(f.data), 128)
		}
	} else {
		var lines []string
		if lines, err = f.in.Lines(stdio(cmd), args); err == nil {
			tagged, err = m.TagLines(cmd.Context(), lines, 128)
		}
	}
	if err != nil {
		return err
	}
	return stdio(cmd).WriteFile(f.out, func(w io.Writer) error { return tag.WriteTagged(w, tagged, sents, f.asJSON) })
}

// newTagTrainCmd is `recurrent tag train`: f holds its flags.
func newTagTrainCmd() *cobra.Command {
	s := &tag.Setup{}
	cmd := newTaskCmd(&cobra.Command{
		Use:   "train --train FILE [--valid FILE] --out DIR",
		Short: "Train a BiLSTM tagger with a character-level word encoder",
	}, 10, taskCmd[*tag.Summary, *tag.Session]{kind: infer.KindTag, name: "tag train", items: "tok", labels: map[string]string{"tokens": ""},
		epochs: &s.Training.Epochs, steps: &s.Training.MaxSteps, start: s.Start, resume: s.Resume})
	fl := cmd.Flags()
	addDataFlags(cmd, &s.TrainFile, &s.ValidFile, &s.TestFile, "training data (CoNLL columns)")
	fl.StringVar(&s.Vectors, "vectors", "", "initialise the word embedding from this vector file")
	fl.BoolVar(&s.Model.Freeze, "freeze", false, "keep the word embedding fixed")
	fl.StringVar(&s.Model.Scheme, "scheme", "auto", "tag scheme of the data: auto, iob1, iob2, iobes or plain (tags as classes: part-of-speech tags)")
	fl.StringVar(&s.Model.TrainScheme, "train-scheme", "iobes", "chunk scheme the model learns: iob1, iob2 or iobes (plain data always learns plain)")
	fl.Int64Var(&s.MinCount, "min-count", 1, "drop training words seen fewer times")
	fl.BoolVar(&s.Model.Lower, "lower", true, "look words up lower-cased (the characters keep the case)")
	fl.BoolVar(&s.Model.NormDigits, "norm-digits", true, "look words up with every digit replaced by 0")
	fl.IntVar(&s.Model.WordEmbed, "word-embed", 100, "word embedding size (taken from --vectors when given)")
	fl.IntVar(&s.Model.CharEmbed, "char-embed", 25, "character embedding size")
	fl.IntVar(&s.Model.CharHidden, "char-hidden", 25, "character BiLSTM size per direction (0: no character encoder)")
	fl.StringVar(&s.Model.Cell, "cell", "lstm", "sentence encoder cell: lstm, gru, rnn_tanh, ...")
	fl.IntVar(&s.Model.Hidden, "hidden", 100, "sentence encoder size per direction")
	fl.IntVar(&s.Model.Layers, "layers", 1, "stacked bidirectional layers")
	fl.Float64Var(&s.Model.Dropout, "dropout", 0.5, "dropout on token features and encoder outputs")
	addTrainConfigFlags(fl, &s.Training.Config, 16, "sentences", 2e-3, 4)
	fl.Float64Var(&s.Training.Decay, "decay", 0.05, "learning rate lr/(1+decay*epoch)")
	cli.MarkPositive(cmd, "word-embed", "hidden", "layers", "batch", "lr")
	return cmd
}
