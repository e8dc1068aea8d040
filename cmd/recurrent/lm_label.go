package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/recurrent-go/recurrent/classify"
	"github.com/recurrent-go/recurrent/lm"
	"github.com/recurrent-go/recurrent/tensor"
	"github.com/recurrent-go/recurrent/text"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
)

// This file holds label-conditioned language models: `lm train-labels`
// trains a lm.CondModel on labelled text, `lm eval-labels` scores it, and
// `lm sample --label L` samples from it (runLMSampleLabel).

func init() {
	lmCmd.AddCommand(newLMTrainLabelsCmd(), newLMEvalLabelsCmd())
}

// sstNames names SST-2's labels 0 and 1.
var sstNames = map[string]string{"0": "negative", "1": "positive"}

func newLMTrainLabelsCmd() *cobra.Command {
	var (
		trainPath, validPath, out string
		format                    string
		cfg                       lm.CondConfig
		tc                        lm.CondTrainConfig
		minCount                  int64
		lower, rawLabels          bool
		asJSON, quiet             bool
		threads                   int
		resume                    bool
	)
	cmd := &cobra.Command{
		Use:   "train-labels --train F [--valid F] --out DIR",
		Short: "Train a label-conditioned language model (one-to-many generation) on labelled text",
		Long: `Train-labels reads labelled sentences (TSV "label<TAB>text", SST "<label> text"
or CSV text,label; detected automatically) and trains a sentence-level
language model conditioned on the label: --condition init sets every
layer's initial state from the label, input concatenates a label embedding
to every step's input, both does both, none ignores the label (the
unconditional baseline). --label-bias adds a per-label output bias;
--discriminative λ adds λ times the model's own -log p(label | sentence)
(Bayes' rule over its class-conditional likelihoods) to the loss, so the
model carries the label more strongly. After every epoch a checkpoint is
written to --out whose model is the epoch with the best validation loss
(--resume continues training from it); sample it with
"recurrent lm sample --model DIR --label L".
SST labels 0/1 are named negative/positive unless --raw-labels.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if trainPath == "" || out == "" {
				return errors.New("lm train-labels: --train and --out are required")
			}
			if tc.Discriminative < 0 {
				return fmt.Errorf("lm train-labels: --discriminative %v must be >= 0", tc.Discriminative)
			}
			if threads > 0 {
				tensor.SetThreads(threads)
			}
			f, err := classify.ParseFormat(format)
			if err != nil {
				return fmt.Errorf("lm train-labels: %w", err)
			}
			tr, err := classify.ReadFile(trainPath, f)
			if err != nil {
				return err
			}
			var va []classify.Example
			if validPath != "" {
				if va, err = classify.ReadFile(validPath, f); err != nil {
					return err
				}
			}
			name := func(l string) string {
				if n, ok := sstNames[l]; ok && !rawLabels {
					return n
				}
				return l
			}
			var m *lm.CondModel
			if resume {
				if m, err = lm.LoadCond(out); err != nil {
					return err
				}
			} else {
				var labels []string
				for _, e := range tr {
					if n := name(e.Label); !slices.Contains(labels, n) {
						labels = append(labels, n)
					}
				}
				slices.Sort(labels)
				cfg.Labels = labels
				cfg.Tokenizer = text.Tokenizer{Mode: text.Whitespace, Lower: lower}
				counter := text.NewCounter()
				for _, e := range tr {
					counter.Add(cfg.Tokenizer.Tokenize(e.Text))
				}
				v, err := text.BuildVocab(counter, text.VocabOptions{Specials: []string{text.UNK, text.EOS}, MinCount: minCount})
				if err != nil {
					return fmt.Errorf("lm train-labels: %w", err)
				}
				cfg.VocabSize = v.Len()
				if m, err = lm.NewCond(cfg, v, tc.Seed); err != nil {
					return err
				}
			}
			data := func(path string, ex []classify.Example) (lm.CondData, error) {
				var d lm.CondData
				for _, e := range ex {
					l := m.LabelID(name(e.Label))
					if l < 0 {
						return d, fmt.Errorf("%s:%d: label %q does not occur in the training file %s", path, e.Line, e.Label, trainPath)
					}
					d.Sents, d.Labels = append(d.Sents, m.EncodeSentence(e.Text)), append(d.Labels, l)
				}
				return d, nil
			}
			trainD, err := data(trainPath, tr)
			if err != nil {
				return err
			}
			validD, err := data(validPath, va)
			if err != nil {
				return err
			}
			var t *lm.CondTrainer
			if resume {
				if t, err = lm.ResumeCond(out, trainD, validD); err != nil {
					return err
				}
				m = t.Model
				if cmd.Flags().Changed("epochs") {
					t.Config.Epochs = tc.Epochs
				}
			} else if t, err = lm.NewCondTrainer(m, trainD, validD, tc); err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if !asJSON {
				n := 0
				for _, p := range m.Params() {
					n += p.Size()
				}
				c := m.Config
				fmt.Fprintf(w, "conditional LM: %s %dx%d, condition %s, label bias %v, discriminative %v, labels %v, vocab %d, %d parameters; %d train / %d valid sentences\n",
					c.Cell, c.Layers, c.Hidden, c.Condition, c.LabelBias, t.Config.Discriminative, c.Labels, m.Vocab.Len(), n, len(trainD.Sents), len(validD.Sents))
				if resume {
					fmt.Fprintf(w, "resuming after epoch %d of %d\n", t.Epoch(), t.Config.Epochs)
				}
			}
			var bar *progressbar.ProgressBar
			progress := func(ep, b, nb int, loss float64) {
				if quiet {
					return
				}
				if bar == nil || b == 1 {
					bar = progressbar.NewOptions(nb, progressbar.OptionSetWriter(os.Stderr), progressbar.OptionSetWidth(30),
						progressbar.OptionShowCount(), progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionClearOnFinish())
				}
				bar.Describe(fmt.Sprintf("epoch %d loss %.3f", ep, loss))
				_ = bar.Set(b)
			}
			err = t.Run(cmd.Context(), progress, func(e lm.CondEpoch) error {
				if bar != nil {
					_ = bar.Finish()
					bar = nil
				}
				if err := t.Save(out); err != nil {
					return err
				}
				if asJSON {
					return json.NewEncoder(w).Encode(e)
				}
				disc := ""
				if t.Config.Discriminative > 0 {
					disc = fmt.Sprintf(", train -log p(label|x) %.4f", e.TrainDisc)
				}
				_, err := fmt.Fprintf(w, "epoch %d: train loss %.4f%s, valid loss %.4f, valid perplexity %.2f, valid label accuracy (Bayes) %.4f%s (%.1fs)\n",
					e.Epoch, e.TrainLoss, disc, e.ValidLoss, e.ValidPPL, e.ValidLabelAcc, map[bool]string{true: " *best", false: ""}[e.BestSoFar], e.Seconds)
				return err
			})
			if isInterrupted(cmd.Context(), err) {
				return fmt.Errorf("lm train-labels: interrupted in epoch %d; --resume continues from its start (checkpoint %s): %w", t.Epoch()+1, out, err)
			}
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&trainPath, "train", "", "labelled training sentences")
	fl.StringVar(&validPath, "valid", "", "labelled validation sentences")
	fl.StringVar(&out, "out", "", "checkpoint directory")
	fl.StringVar(&format, "format", "auto", "input format: auto, tsv, sst or csv")
	fl.StringVar(&cfg.Condition, "condition", lm.CondBoth, "label conditioning: init, input, both or none")
	fl.StringVar(&cfg.Cell, "cell", "lstm", "recurrent cell")
	fl.IntVar(&cfg.EmbedDim, "embed", 128, "token embedding size")
	fl.IntVar(&cfg.LabelDim, "label-dim", 16, "label embedding size (condition input/both)")
	fl.BoolVar(&cfg.LabelBias, "label-bias", false, "add a per-label output bias (a direct per-label shift of the next-word distribution)")
	fl.Float64Var(&tc.Discriminative, "discriminative", 0, "weight of the discriminative term -log p(label | sentence) (the model's own Bayes posterior) added to the likelihood loss; 0: plain maximum likelihood")
	fl.BoolVar(&tc.Bucket, "bucket", false, "batch sentences of similar length (less padding, faster)")
	fl.IntVar(&threads, "threads", 0, "compute threads (default: all cores)")
	fl.IntVar(&cfg.Hidden, "hidden", 256, "hidden size")
	fl.IntVar(&cfg.Layers, "layers", 1, "layers")
	fl.Float64Var(&cfg.Dropout, "dropout", 0.3, "dropout on embeddings, between layers and on outputs")
	fl.Int64Var(&minCount, "min-count", 2, "rarer tokens become <unk>")
	fl.BoolVar(&lower, "lower", false, "lowercase the text")
	fl.BoolVar(&rawLabels, "raw-labels", false, "keep SST labels 0/1 instead of negative/positive")
	fl.IntVar(&tc.Epochs, "epochs", 10, "epochs")
	fl.IntVar(&tc.Batch, "batch", 32, "sentences per batch")
	fl.Float64Var(&tc.LR, "lr", 2e-3, "learning rate")
	fl.Float64Var(&tc.Clip, "clip", 5, "gradient-norm clip (0: none)")
	fl.StringVar(&tc.Optimizer, "optimizer", "adam", "adam, adamw, sgd, rmsprop or adagrad")
	fl.Uint64Var(&tc.Seed, "seed", 1, "random seed")
	fl.BoolVar(&resume, "resume", false, "continue the training checkpoint in --out (model flags come from it; --epochs may raise the total)")
	fl.BoolVar(&asJSON, "json", false, "print one JSON object per epoch")
	fl.BoolVar(&quiet, "quiet", false, "no progress bar")
	return cmd
}

// newLMEvalLabelsCmd scores a conditional model on labelled sentences.
func newLMEvalLabelsCmd() *cobra.Command {
	var (
		dir, path, format string
		asJSON, rawLabels bool
	)
	cmd := &cobra.Command{
		Use:   "eval-labels --model DIR --data F",
		Short: "Perplexity of a label-conditioned language model on labelled sentences, and its own (Bayes) label accuracy",
		Long: `Eval-labels reads labelled sentences (as train-labels) and prints the
conditional model's per-token perplexity given the true labels, and the
accuracy of the model used as a classifier by Bayes' rule (the label
under which the sentence is most likely): how much of the label the model
carries.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := classify.ParseFormat(format)
			if err != nil {
				return fmt.Errorf("lm eval-labels: %w", err)
			}
			m, err := lm.LoadCond(dir)
			if err != nil {
				return err
			}
			ex, err := readExamples(cmd, path, f)
			if err != nil {
				return err
			}
			var d lm.CondData
			for _, e := range ex {
				l := m.LabelID(e.Label)
				if n, ok := sstNames[e.Label]; ok && l < 0 && !rawLabels {
					l = m.LabelID(n)
				}
				if l < 0 {
					return fmt.Errorf("%s:%d: label %q is not one of the model's %v", path, e.Line, e.Label, m.Config.Labels)
				}
				d.Sents, d.Labels = append(d.Sents, m.EncodeSentence(e.Text)), append(d.Labels, l)
			}
			met, err := m.Evaluate(cmd.Context(), d, 128)
			if err != nil {
				return err
			}
			res := struct {
				Sentences  int     `json:"sentences"`
				Tokens     int64   `json:"tokens"`
				Loss       float64 `json:"loss"`
				Perplexity float64 `json:"perplexity"`
				LabelAcc   float64 `json:"label_accuracy,omitempty"`
			}{Sentences: len(d.Sents), Tokens: met.Tokens, Loss: met.Loss, Perplexity: met.Perplexity}
			if len(m.Config.Labels) > 1 {
				if res.LabelAcc, err = m.LabelAccuracy(cmd.Context(), d, 64); err != nil {
					return err
				}
			}
			w := cmd.OutOrStdout()
			if asJSON {
				return json.NewEncoder(w).Encode(res)
			}
			_, err = fmt.Fprintf(w, "%d sentences, %d tokens: loss %.4f, perplexity %.2f, label accuracy (Bayes) %.4f\n",
				res.Sentences, res.Tokens, res.Loss, res.Perplexity, res.LabelAcc)
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&dir, "model", "", "conditional model directory (lm train-labels)")
	fl.StringVar(&path, "data", "", `labelled sentences ("-": standard input)`)
	fl.StringVar(&format, "format", "auto", "input format: auto, tsv, sst or csv")
	fl.BoolVar(&rawLabels, "raw-labels", false, "do not map SST labels 0/1 to negative/positive")
	fl.BoolVar(&asJSON, "json", false, "print the metrics as JSON")
	markRequired(cmd, "model", "data")
	return cmd
}

// runLMSampleLabel is lm sample --label: sentences for that label from a
// conditional model, one per line.
func runLMSampleLabel(cmd *cobra.Command, f *lmSampleFlags) error {
	switch {
	case !(f.guidance >= 0):
		return fmt.Errorf("lm sample: --guidance %v must be >= 0", f.guidance)
	case f.guidance > 0 && f.rerank > 1:
		return errors.New("lm sample: --guidance and --rerank are separate decoding options; use one")
	}
	m, err := lm.LoadCond(f.model)
	if err != nil {
		return err
	}
	li := m.LabelID(f.label)
	if n, ok := sstNames[f.label]; ok && li < 0 {
		li = m.LabelID(n)
	}
	if li < 0 {
		return fmt.Errorf("lm sample: label %q is not one of the model's %v", f.label, m.Config.Labels)
	}
	opt := f.opt
	if !cmd.Flags().Changed("length") {
		opt.MaxTokens = 60
	}
	if f.prompt != "" {
		opt.Prompt = m.EncodeSentence(f.prompt)
	}
	rerank := max(1, f.rerank)
	for i := range max(1, f.num) {
		opt.Seed = f.opt.Seed + uint64(i*rerank)
		var ids []int32
		switch {
		case f.guidance > 0:
			ids, err = m.SampleGuided(cmd.Context(), li, opt, f.guidance)
		case rerank > 1:
			ids, _, err = m.SampleReranked(cmd.Context(), li, opt, rerank)
		default: // the same sample without scoring it
			ids, err = m.Sample(cmd.Context(), li, opt)
		}
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintln(cmd.OutOrStdout(), m.DecodeSentence(append(slices.Clone(opt.Prompt), ids...))); err != nil {
			return err
		}
	}
	return nil
}
