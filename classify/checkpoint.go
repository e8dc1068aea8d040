package classify

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"

	"github.com/recurrent-go/recurrent/checkpoint"
	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/text"
)

// Files of a classifier checkpoint besides the conventional ones.
const (
	// LabelsFile lists the label names in id order (JSON array).
	LabelsFile = "labels.json"
	// LastFile holds the parameters reached by training (model.safetensors
	// holds the best ones on dev), for Resume.
	LastFile = "last.safetensors"
)

const stateFormat = "recurrent-classify-train-state"

type fileConfig struct {
	Model Config       `json:"model"`
	Train *TrainConfig `json:"train,omitempty"`
}

type trainState struct {
	Format    string      `json:"format"`
	Position  Position    `json:"position"`
	LR        float64     `json:"lr"`
	Best      *EvalResult `json:"best_dev,omitempty"`
	Last      *EvalResult `json:"last_dev,omitempty"`
	Bad       int         `json:"epochs_without_improvement"`
	Stopped   bool        `json:"stopped"`
	TrainHash uint64      `json:"train_hash"`
	DevHash   uint64      `json:"dev_hash"`
	Counts    [2]int      `json:"examples"`
}

// hashData fingerprints a data set so that a resume on other data fails.
func hashData(d *Data) uint64 {
	h := fnv.New64a()
	if d == nil {
		return 0
	}
	var b [4]byte
	for i, s := range d.IDs {
		binary.LittleEndian.PutUint32(b[:], uint32(len(s)))
		h.Write(b[:])
		for _, id := range s {
			binary.LittleEndian.PutUint32(b[:], uint32(id))
			h.Write(b[:])
		}
		if d.Labels != nil {
			binary.LittleEndian.PutUint32(b[:], uint32(d.Labels[i]))
			h.Write(b[:])
		}
	}
	return h.Sum64()
}

func (m *Model) files(train *TrainConfig, params []*nn.Param) []checkpoint.File {
	return []checkpoint.File{
		checkpoint.JSONFile(checkpoint.ConfigFile, fileConfig{Model: m.Config, Train: train}),
		checkpoint.JSONFile(checkpoint.VocabFile, m.Vocab),
		checkpoint.JSONFile(LabelsFile, m.Labels),
		checkpoint.ParamsFile(checkpoint.ModelFile, params, map[string]string{"format": "pt", "model": "recurrent-classify"}),
	}
}

// Save writes the model (config.json, vocab.json, labels.json,
// model.safetensors) as the checkpoint directory dir, replacing it
// atomically.
func (m *Model) Save(dir string) error {
	if err := checkpoint.Save(dir, m.files(nil, m.params)...); err != nil {
		return fmt.Errorf("classify: save %s: %w", dir, err)
	}
	return nil
}

// Load reads a model saved by Model.Save or Trainer.Save (the best
// parameters on dev), in evaluation mode.
func Load(dir string) (*Model, error) {
	m, _, _, err := load(dir)
	if err != nil {
		return nil, err
	}
	m.SetTraining(false)
	return m, nil
}

// dims ties the sizes of config.json to the tensors of model.safetensors,
// so that Load checks them before building the model.
func (c *Config) dims() []checkpoint.Dim {
	d := []checkpoint.Dim{
		{Field: "model.vocab_size", Value: c.VocabSize, Tensor: "embedding.weight", Axis: 0},
		{Field: "model.embed_dim", Value: c.Embed, Tensor: "embedding.weight", Axis: 1},
		{Field: "model.classes", Value: c.Outputs(), Tensor: "head.bias", Axis: 0},
	}
	if c.Arch == ArchRNN {
		d = append(d, checkpoint.Dim{Field: "model.hidden", Value: c.Hidden, Tensor: "rnn.weight_hh_l0", Axis: 1},
			checkpoint.Dim{Field: "model.layers", Value: c.Layers, Tensor: "rnn.weight_hh_l%d"})
	}
	return d
}

func load(dir string) (*Model, *checkpoint.Checkpoint, *TrainConfig, error) {
	ck, err := checkpoint.Load(dir)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("classify: %w", err)
	}
	var fc fileConfig
	if err := ck.ReadJSON(checkpoint.ConfigFile, &fc); err != nil {
		return nil, nil, nil, fmt.Errorf("classify: %w", err)
	}
	if err := ck.CheckDims(checkpoint.ModelFile, fc.Model.dims()...); err != nil {
		return nil, nil, nil, fmt.Errorf("classify: %w", err)
	}
	v := new(text.Vocab)
	if err := ck.ReadUnmarshal(checkpoint.VocabFile, v); err != nil {
		return nil, nil, nil, fmt.Errorf("classify: %w", err)
	}
	var labels []string
	if err := ck.ReadJSON(LabelsFile, &labels); err != nil {
		return nil, nil, nil, fmt.Errorf("classify: %w", err)
	}
	m, err := New(fc.Model, v, labels, 0)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("classify: %s: %w", ck.Path(checkpoint.ConfigFile), err)
	}
	if _, err := ck.ReadParams(checkpoint.ModelFile, m.params); err != nil {
		return nil, nil, nil, fmt.Errorf("classify: %w", err)
	}
	return m, ck, fc.Train, nil
}

// Save writes a complete training checkpoint to dir: the model files with
// the best parameters so far in model.safetensors (the current ones when
// there is no dev data), the current parameters (last.safetensors), the
// optimizer state and the position (state.json).
func (t *Trainer) Save(dir string) error {
	cfg := t.Config
	files := t.Model.files(&cfg, t.early.BestParams(t.Model.params))
	ot, om, err := checkpoint.OptimizerTensors(t.opt)
	if err != nil {
		return fmt.Errorf("classify: save %s: %w", dir, err)
	}
	st := trainState{Format: stateFormat, Position: t.pos, LR: t.opt.LR(), Best: t.best, Last: t.last, Bad: t.early.Bad,
		Stopped: t.early.Stopped, TrainHash: hashData(t.train), DevHash: hashData(t.dev), Counts: [2]int{t.train.Len(), devLen(t.dev)}}
	files = append(files,
		checkpoint.ParamsFile(LastFile, t.Model.params, nil),
		checkpoint.TensorsFile(checkpoint.OptimizerFile, ot, om),
		checkpoint.JSONFile(checkpoint.StateFile, st))
	if err := checkpoint.Save(dir, files...); err != nil {
		return fmt.Errorf("classify: save %s: %w", dir, err)
	}
	return nil
}

func devLen(d *Data) int {
	if d == nil {
		return 0
	}
	return d.Len()
}

// Resume reopens a training checkpoint written by Trainer.Save on the same
// train and dev data (checked by fingerprint) and returns a trainer that
// continues exactly where the saved one stopped. The caller may raise
// Config.Epochs before Run.
func Resume(dir string, train, dev *Data) (*Trainer, error) {
	m, ck, tc, err := load(dir)
	if err != nil {
		return nil, err
	}
	if tc == nil || !ck.Has(checkpoint.StateFile) || !ck.Has(LastFile) {
		return nil, fmt.Errorf("classify: %s is a model checkpoint without training state", dir)
	}
	var st trainState
	if err := ck.ReadJSON(checkpoint.StateFile, &st); err != nil {
		return nil, fmt.Errorf("classify: %w", err)
	}
	if st.Format != stateFormat {
		return nil, fmt.Errorf("classify: %s: format %q, want %q", ck.Path(checkpoint.StateFile), st.Format, stateFormat)
	}
	if st.TrainHash != hashData(train) || st.Counts[0] != train.Len() {
		return nil, fmt.Errorf("classify: resume %s: the training data differs from the checkpoint's (%d examples then, %d now)", dir, st.Counts[0], train.Len())
	}
	if st.DevHash != hashData(dev) || st.Counts[1] != devLen(dev) {
		return nil, fmt.Errorf("classify: resume %s: the dev data differs from the checkpoint's (%d examples then, %d now)", dir, st.Counts[1], devLen(dev))
	}
	var bp [][]float32
	if st.Best != nil {
		// model.safetensors holds the best parameters.
		bp = nn.Snapshot(m.params, nil)
	}
	if _, err := ck.ReadParams(LastFile, m.params); err != nil {
		return nil, fmt.Errorf("classify: %w", err)
	}
	m.SetTraining(true)
	t, err := NewTrainer(m, train, dev, *tc)
	if err != nil {
		return nil, err
	}
	if err := ck.ReadOptimizer(t.opt); err != nil {
		return nil, fmt.Errorf("classify: resume %s: %w", dir, err)
	}
	t.opt.SetLR(st.LR)
	t.pos, t.best, t.last = st.Position, st.Best, st.Last
	t.early = nn.EarlyStopping{Best: bp, Bad: st.Bad, Stopped: st.Stopped}
	return t, nil
}
