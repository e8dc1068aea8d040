package seq2seq

import (
	"fmt"

	"github.com/recurrent-go/recurrent/checkpoint"
	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/text"
)

// Files of a translation checkpoint besides checkpoint's conventional ones.
const (
	SourceVocabFile = "source_vocab.json"
	TargetVocabFile = "target_vocab.json"
	// LastFile holds the parameters training reached (model.safetensors
	// holds the best epoch's on dev), for Resume.
	LastFile = "last.safetensors"
)

const trainStateFormat = "recurrent-seq2seq-train-state"

// fileConfig is config.json.
type fileConfig struct {
	Model Config       `json:"model"`
	Train *TrainConfig `json:"train,omitempty"`
}

// trainState is state.json.
type trainState struct {
	Format    string         `json:"format"`
	Position  Position       `json:"position"`
	LR        float64        `json:"lr"`
	History   []EpochMetrics `json:"history"`
	Best      *EpochMetrics  `json:"best_dev,omitempty"`
	Bad       int            `json:"epochs_without_improvement"`
	Stopped   bool           `json:"stopped"`
	TrainN    int            `json:"train_pairs"`
	TrainHash uint64         `json:"train_hash"`
	DevN      int            `json:"dev_pairs"`
	DevHash   uint64         `json:"dev_hash"`
}

// files are the model's checkpoint files with params (m.params or a
// snapshot of them under their names) as model.safetensors.
func (m *Model) files(train *TrainConfig, params []*nn.Param) []checkpoint.File {
	return []checkpoint.File{
		checkpoint.JSONFile(checkpoint.ConfigFile, fileConfig{Model: m.Config, Train: train}),
		checkpoint.JSONFile(SourceVocabFile, m.Src),
		checkpoint.JSONFile(TargetVocabFile, m.Tgt),
		checkpoint.ParamsFile(checkpoint.ModelFile, params, map[string]string{"format": "pt", "model": "recurrent-seq2seq"}),
	}
}

// Save writes the model (config.json, the two vocabularies and
// model.safetensors) as the checkpoint directory dir, atomically.
func (m *Model) Save(dir string) error {
	if err := checkpoint.Save(dir, m.files(nil, m.params)...); err != nil {
		return fmt.Errorf("seq2seq: save %s: %w", dir, err)
	}
	return nil
}

// Load reads a model written by Model.Save or Trainer.Save.
func Load(dir string) (*Model, error) {
	m, _, _, err := load(dir)
	return m, err
}

// dims ties the sizes of config.json (with defaults for zero sizes) to the
// tensors of model.safetensors, so that Load checks them before building
// the model.
func (c Config) dims() []checkpoint.Dim {
	c = c.withDefaults()
	d := []checkpoint.Dim{
		{Field: "model.embed", Value: c.Embed, Tensor: "src_embed.weight", Axis: 1},
		{Field: "model.hidden", Value: c.Hidden, Tensor: "encoder.weight_hh_l0", Axis: 1},
		{Field: "model.layers", Value: c.Layers, Tensor: "encoder.weight_hh_l%d"},
		{Field: "model.decoder_hidden", Value: c.DecoderHidden, Tensor: "bridge.weight", Axis: 0},
	}
	if at, err := ParseAttention(c.Attention); err == nil && at == AttentionBahdanau {
		d = append(d, checkpoint.Dim{Field: "model.attention_size", Value: c.AttentionSize, Tensor: "attention.W_q", Axis: 0})
	}
	return d
}

func load(dir string) (*Model, *checkpoint.Checkpoint, *TrainConfig, error) {
	ck, err := checkpoint.Load(dir)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("seq2seq: %w", err)
	}
	var fc fileConfig
	if err := ck.ReadJSON(checkpoint.ConfigFile, &fc); err != nil {
		return nil, nil, nil, fmt.Errorf("seq2seq: %w", err)
	}
	if err := ck.CheckDims(checkpoint.ModelFile, fc.Model.dims()...); err != nil {
		return nil, nil, nil, fmt.Errorf("seq2seq: %w", err)
	}
	vocab := func(name string) (*text.Vocab, error) {
		b, err := ck.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("seq2seq: %w", err)
		}
		v := new(text.Vocab)
		if err := v.UnmarshalJSON(b); err != nil {
			return nil, fmt.Errorf("seq2seq: %s: %w", ck.Path(name), err)
		}
		return v, nil
	}
	src, err := vocab(SourceVocabFile)
	if err != nil {
		return nil, nil, nil, err
	}
	tgt, err := vocab(TargetVocabFile)
	if err != nil {
		return nil, nil, nil, err
	}
	m, err := NewModel(fc.Model, src, tgt, 0)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%w (in %s)", err, ck.Path(checkpoint.ConfigFile))
	}
	if _, err := ck.ReadParams(checkpoint.ModelFile, m.params); err != nil {
		return nil, nil, nil, fmt.Errorf("seq2seq: %w", err)
	}
	return m, ck, fc.Train, nil
}

// Save writes a complete training checkpoint to dir: the model files with
// the best epoch's parameters on dev in model.safetensors (the current ones
// before the first evaluation or without dev data), the current parameters
// (last.safetensors), the optimizer state and the position, so Resume
// continues exactly.
func (t *Trainer) Save(dir string) error {
	cfg := t.Config
	ts, meta, err := checkpoint.OptimizerTensors(t.opt)
	if err != nil {
		return fmt.Errorf("seq2seq: save %s: %w", dir, err)
	}
	st := trainState{Format: trainStateFormat, Position: t.pos, LR: t.opt.LR(), History: t.history,
		Best: t.best, Bad: t.early.Bad, Stopped: t.early.Stopped,
		TrainN: len(t.train.Src), TrainHash: t.train.hash(), DevN: len(t.dev.Src), DevHash: t.dev.hash()}
	files := append(t.Model.files(&cfg, t.early.BestParams(t.Model.params)),
		checkpoint.ParamsFile(LastFile, t.Model.params, nil),
		checkpoint.TensorsFile(checkpoint.OptimizerFile, ts, meta),
		checkpoint.JSONFile(checkpoint.StateFile, st))
	if err := checkpoint.Save(dir, files...); err != nil {
		return fmt.Errorf("seq2seq: save %s: %w", dir, err)
	}
	return nil
}

// Resume reopens a training checkpoint written by Trainer.Save for the
// same train and dev data (checked by size and hash). The caller may raise
// Config.Epochs before Run.
func Resume(dir string, train, dev Encoded) (*Trainer, error) {
	m, ck, tc, err := load(dir)
	if err != nil {
		return nil, err
	}
	if tc == nil || !ck.Has(checkpoint.StateFile) {
		return nil, fmt.Errorf("seq2seq: %s is a model checkpoint without training state", dir)
	}
	var st trainState
	if err := ck.ReadJSON(checkpoint.StateFile, &st); err != nil {
		return nil, fmt.Errorf("seq2seq: %w", err)
	}
	if st.Format != trainStateFormat {
		return nil, fmt.Errorf("seq2seq: %s: format %q, want %q", ck.Path(checkpoint.StateFile), st.Format, trainStateFormat)
	}
	if st.TrainN != len(train.Src) || st.TrainHash != train.hash() {
		return nil, fmt.Errorf("seq2seq: resume %s: the training pairs differ from the checkpoint's (%d pairs then, %d now)", dir, st.TrainN, len(train.Src))
	}
	if st.DevN != len(dev.Src) || st.DevHash != dev.hash() {
		return nil, fmt.Errorf("seq2seq: resume %s: the dev pairs differ from the checkpoint's (%d pairs then, %d now)", dir, st.DevN, len(dev.Src))
	}
	var best [][]float32
	if ck.Has(LastFile) { // model.safetensors holds the best epoch's parameters
		if st.Best != nil {
			best = nn.Snapshot(m.params, nil)
		}
		if _, err := ck.ReadParams(LastFile, m.params); err != nil {
			return nil, fmt.Errorf("seq2seq: %w", err)
		}
	}
	t, err := NewTrainer(m, train, dev, *tc)
	if err != nil {
		return nil, err
	}
	t.best = st.Best
	t.early = nn.EarlyStopping{Best: best, Bad: st.Bad, Stopped: st.Stopped}
	if err := ck.ReadOptimizer(t.opt); err != nil {
		return nil, fmt.Errorf("seq2seq: resume %s: %w", dir, err)
	}
	t.opt.SetLR(st.LR)
	t.pos, t.history = st.Position, st.History
	return t, nil
}
