package lm

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/train"
)

// sstNames names SST-2's labels 0 and 1.
var sstNames = map[string]string{"0": "negative", "1": "positive"}

// SSTName returns the name of SST-2's label 0 or 1 ("negative",
// "positive") unless raw, and any other label as it is.
func SSTName(label string, raw bool) string {
	if n, ok := sstNames[label]; ok && !raw {
		return n
	}
	return label
}

// CondLabels returns the sorted distinct labels of ex (SSTName). Labels
// that hold another integer besides 0 and 1 (SST-5's 0..4, where 1 is
// negative) are never named.
func CondLabels(ex []text.Labelled, raw bool) []string {
	for _, e := range ex {
		if _, err := strconv.Atoi(e.Label); err == nil && sstNames[e.Label] == "" {
			raw = true
			break
		}
	}
	var labels []string
	for _, e := range ex {
		if n := SSTName(e.Label, raw); !slices.Contains(labels, n) {
			labels = append(labels, n)
		}
	}
	slices.Sort(labels)
	return labels
}

// CondVocab builds the vocabulary of the sentences of ex split by tok:
// <unk> and <eos>, then the tokens seen at least minCount times.
func CondVocab(tok text.Tokenizer, ex []text.Labelled, minCount int64) (*text.Vocab, error) {
	counter := text.NewCounter()
	for _, e := range ex {
		counter.Add(tok.Tokenize(e.Text))
	}
	return text.BuildVocab(counter, text.VocabOptions{Specials: []string{text.UNK, text.EOS}, MinCount: minCount})
}

// FindLabel returns the id of label, or else (unless raw) of its SSTName;
// -1 if the model has neither.
func (m *CondModel) FindLabel(label string, raw bool) int {
	l := m.LabelID(label)
	if l < 0 && !raw {
		l = m.LabelID(SSTName(label, false))
	}
	return l
}

// EncodeLabelled encodes labelled sentences read from path (FindLabel); a
// label the model does not know is an error naming the file and line.
func (m *CondModel) EncodeLabelled(ex []text.Labelled, path string, raw bool) (CondData, error) {
	var d CondData
	for _, e := range ex {
		l := m.FindLabel(e.Label, raw)
		if l < 0 {
			return d, fmt.Errorf("%s:%d: label %q is not one of the model's %v", path, e.Line, e.Label, m.Config.Labels)
		}
		d.Sents, d.Labels = append(d.Sents, m.EncodeSentence(e.Text)), append(d.Labels, l)
	}
	return d, nil
}

// CondReport is lm eval-labels' result: the per-token perplexity given
// the true labels and, with two labels or more, the accuracy of the model
// used as a classifier by Bayes' rule.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type CondReport struct {
	Sentences  int     `json:"sentences"`
	Tokens     int64   `json:"tokens"`
	Loss       float64 `json:"loss"`
	Perplexity float64 `json:"perplexity"`
	LabelAcc   float64 `json:"label_accuracy,omitempty"`
}

// Report evaluates the model on d (Evaluate, LabelAccuracy).
func (m *CondModel) Report(ctx context.Context, d CondData) (CondReport, error) {
	met, err := m.Evaluate(ctx, d, 128)
	if err != nil {
		return CondReport{}, err
	}
	r := CondReport{Sentences: len(d.Sents), Tokens: met.Tokens, Loss: met.Loss, Perplexity: met.Perplexity}
	if len(m.Config.Labels) > 1 {
		if r.LabelAcc, err = m.LabelAccuracy(ctx, d, 64); err != nil {
			return CondReport{}, err
		}
	}
	return r, nil
}

// WriteText writes the report as lm eval-labels prints it.
func (r *CondReport) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "%d sentences, %d tokens: loss %.4f, perplexity %.2f, label accuracy (Bayes) %.4f\n",
		r.Sentences, r.Tokens, r.Loss, r.Perplexity, r.LabelAcc)
	return err
}

// LabelledFiles are the labelled sentences of a conditional training run
// as read from their files (named in errors).
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type LabelledFiles struct {
	TrainPath, ValidPath string
	Train, Valid         []text.Labelled
	// Raw keeps SST's labels 0 and 1 (SSTName).
	Raw bool
}

// ReadLabelled reads the labelled sentences of path through in ("-": its
// standard input) in format and encodes them for m (EncodeLabelled), as
// lm eval-labels scores them.
func (m *CondModel) ReadLabelled(in text.Stdio, path string, format text.LabelFormat, raw bool) (CondData, error) {
	ex, err := text.ReadAs(in, path, func(r io.Reader, name string) ([]text.Labelled, error) {
		ex, _, err := text.ReadLabelled(r, name, format)
		return ex, err
	})
	if err != nil {
		return CondData{}, err
	}
	return m.EncodeLabelled(ex, path, raw)
}

// ReadLabelledFiles reads the training file and, if validPath is not "",
// the validation file in format.
func ReadLabelledFiles(trainPath, validPath string, format text.LabelFormat, raw bool) (*LabelledFiles, error) {
	d := &LabelledFiles{TrainPath: trainPath, ValidPath: validPath, Raw: raw}
	var err error
	if d.Train, _, err = text.ReadLabelledFile(trainPath, format); err != nil {
		return nil, err
	}
	if validPath != "" {
		if d.Valid, _, err = text.ReadLabelledFile(validPath, format); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// Encode encodes the training and validation sentences for m
// (EncodeLabelled; the error also names the training file).
func (d *LabelledFiles) Encode(m *CondModel) (trainD, validD CondData, err error) {
	if trainD, err = m.EncodeLabelled(d.Train, d.TrainPath, d.Raw); err == nil {
		validD, err = m.EncodeLabelled(d.Valid, d.ValidPath, d.Raw)
	}
	if err != nil {
		return trainD, validD, fmt.Errorf("%w (from the training file %s)", err, d.TrainPath)
	}
	return trainD, validD, nil
}

// NewCondRun builds a conditional model of cfg for d (its Labels from
// the training sentences, VocabSize from v) and a trainer on d.
func NewCondRun(cfg CondConfig, v *text.Vocab, d *LabelledFiles, tc CondTrainConfig) (*CondTrainer, error) {
	cfg.Labels = CondLabels(d.Train, d.Raw)
	cfg.VocabSize = v.Len()
	m, err := NewCond(cfg, v, tc.Seed)
	if err != nil {
		return nil, err
	}
	trainD, validD, err := d.Encode(m)
	if err != nil {
		return nil, err
	}
	return NewCondTrainer(m, trainD, validD, tc)
}

// ResumeCondRun reopens the conditional training checkpoint in dir on d
// (ResumeCond).
func ResumeCondRun(dir string, d *LabelledFiles) (*CondTrainer, error) {
	m, err := LoadCond(dir)
	if err != nil {
		return nil, err
	}
	trainD, validD, err := d.Encode(m)
	if err != nil {
		return nil, err
	}
	return ResumeCond(dir, trainD, validD)
}

// ResumeSettings pairs the settings of cfg, lower (the tokenizer's) and
// given with the checkpoint's, named as lm train-labels' flags, for the
// caller to compare those given explicitly (train.CheckResume).
func (t *CondTrainer) ResumeSettings(cfg CondConfig, lower bool, given CondTrainConfig) []train.Setting {
	c, tc := t.Model.Config, t.Config
	return []train.Setting{{Name: "condition", Now: cfg.Condition, Saved: c.Condition}, {Name: "cell", Now: cfg.Cell, Saved: c.Cell},
		{Name: "embed", Now: cfg.EmbedDim, Saved: c.EmbedDim}, {Name: "label-dim", Now: cfg.LabelDim, Saved: c.LabelDim}, {Name: "label-bias", Now: cfg.LabelBias, Saved: c.LabelBias},
		{Name: "hidden", Now: cfg.Hidden, Saved: c.Hidden}, {Name: "layers", Now: cfg.Layers, Saved: c.Layers}, {Name: "dropout", Now: cfg.Dropout, Saved: c.Dropout},
		{Name: "lower", Now: lower, Saved: c.Tokenizer.Lower}, {Name: "batch", Now: given.Batch, Saved: tc.Batch}, {Name: "optimizer", Now: given.Optimizer, Saved: tc.Optimizer},
		{Name: "seed", Now: given.Seed, Saved: tc.Seed}, {Name: "bucket", Now: given.Bucket, Saved: tc.Bucket}, {Name: "discriminative", Now: given.Discriminative, Saved: tc.Discriminative}}
}

// Describe describes the model, the data and the batches, as lm
// train-labels announces them.
func (t *CondTrainer) Describe() string {
	m, c := t.Model, t.Model.Config
	return fmt.Sprintf("conditional LM: %s %dx%d, condition %s, label bias %v, discriminative %v, labels %v, vocab %d, %d parameters; %d train / %d valid sentences, %d batches/epoch",
		c.Cell, c.Layers, c.Hidden, c.Condition, c.LabelBias, t.Config.Discriminative, c.Labels, m.Vocab.Len(), m.NumParams(),
		len(t.task.train.Sents), len(t.task.valid.Sents), t.Batches())
}

// ProgressLabels rename or hide (renamed to "") the metrics of the
// evaluation events of Run for display.
func (t *CondTrainer) ProgressLabels() map[string]string {
	return map[string]string{"tokens": "", "label_accuracy": "label accuracy (Bayes)"}
}

// Reconfigure applies to a resumed trainer the settings of c that given
// reports as given, by lm train-labels' flag names: a budget given (epochs
// or steps) replaces the saved one whole, steps alone making the epochs
// unbounded; clip and an lr other than the run's starting rate (the
// optimizer's rate too) apply from the next step. The rest stays the
// checkpoint's.
func (t *CondTrainer) Reconfigure(c CondTrainConfig, given func(flag string) bool) {
	tc := &t.Config
	if given("epochs") || given("steps") {
		tc.Epochs, tc.MaxSteps = c.Epochs, c.MaxSteps
		if !given("epochs") {
			tc.Epochs = 0
		}
	}
	if given("clip") {
		tc.Clip = c.Clip
	}
	if given("lr") && c.LR != tc.LR {
		tc.LR = c.LR
		t.Loop().Optimizer().SetLR(c.LR)
	}
}
