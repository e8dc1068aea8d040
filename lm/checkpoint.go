package lm

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"strconv"

	"github.com/recurrent-go/recurrent/checkpoint"
	"github.com/recurrent-go/recurrent/text"
)

// CarryFile holds the recurrent state carried between chunks (tensors "h"
// and, for an LSTM, "c", each [Layers, B, Hidden]) in a training checkpoint.
const CarryFile = "carry.safetensors"

const stateFormat = "recurrent-lm-train-state"

// fileConfig is config.json.
type fileConfig struct {
	Model Config       `json:"model"`
	Train *TrainConfig `json:"train,omitempty"`
}

// trainState is state.json.
type trainState struct {
	Format    string   `json:"format"`
	Position  Position `json:"position"`
	LR        float64  `json:"lr"`
	Best      *Metrics `json:"best_valid,omitempty"`
	TrainLen  int      `json:"train_tokens"`
	TrainHash uint64   `json:"train_hash"`
	ValidLen  int      `json:"valid_tokens"`
	ValidHash uint64   `json:"valid_hash"`
	// BadEpochs counts end-of-epoch validations without improvement in a
	// row (for early stopping); History is every validation so far, and
	// SinceLoss/SinceN the training losses since the last one.
	BadEpochs int     `json:"bad_epochs,omitempty"`
	History   []Point `json:"history,omitempty"`
	SinceLoss float64 `json:"since_loss,omitempty"`
	SinceN    int     `json:"since_n,omitempty"`
}

// hashIDs fingerprints a token stream so a resume on different data fails.
func hashIDs(ids []int32) uint64 {
	h := fnv.New64a()
	var b [4 * 1024]byte
	for len(ids) > 0 {
		n := min(len(ids), len(b)/4)
		for i, id := range ids[:n] {
			binary.LittleEndian.PutUint32(b[4*i:], uint32(id))
		}
		h.Write(b[:4*n])
		ids = ids[n:]
	}
	return h.Sum64()
}

func (m *Model) files(train *TrainConfig) ([]checkpoint.File, error) {
	files := []checkpoint.File{
		checkpoint.JSONFile(checkpoint.ConfigFile, fileConfig{Model: m.Config, Train: train}),
	}
	pf, err := m.paramsFile(checkpoint.ModelFile, map[string]string{"format": "pt", "model": "recurrent-lm"})
	if err != nil {
		return nil, err
	}
	files = append(files, pf)
	if m.Vocab != nil {
		files = append(files, checkpoint.JSONFile(checkpoint.VocabFile, m.Vocab))
	}
	return files, nil
}

// Save writes the model (config.json, vocab.json, model.safetensors) as the
// checkpoint directory dir, replacing it atomically.
func (m *Model) Save(dir string) error {
	files, err := m.files(nil)
	if err != nil {
		return err
	}
	if err := checkpoint.Save(dir, files...); err != nil {
		return fmt.Errorf("lm: save %s: %w", dir, err)
	}
	return nil
}

// Load reads a model saved by Model.Save or Trainer.Save.
func Load(dir string) (*Model, error) {
	m, _, _, err := load(dir)
	return m, err
}

// LoadBest reads the model of a training checkpoint with the parameters of
// its best validation (best.safetensors) instead of the latest ones.
func LoadBest(dir string) (*Model, error) {
	m, ck, _, err := load(dir)
	if err != nil {
		return nil, err
	}
	if !ck.Has(BestFile) {
		return nil, fmt.Errorf("lm: %s has no %s (no validation was run)", dir, BestFile)
	}
	if _, err := ck.ReadParams(BestFile, m.params); err != nil {
		return nil, fmt.Errorf("lm: %w", err)
	}
	return m, nil
}

func load(dir string) (*Model, *checkpoint.Checkpoint, *TrainConfig, error) {
	ck, err := checkpoint.Load(dir)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("lm: %w", err)
	}
	var fc fileConfig
	if err := ck.ReadJSON(checkpoint.ConfigFile, &fc); err != nil {
		return nil, nil, nil, fmt.Errorf("lm: %w", err)
	}
	var v *text.Vocab
	if ck.Has(checkpoint.VocabFile) {
		v = new(text.Vocab)
		b, err := ck.ReadFile(checkpoint.VocabFile)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("lm: %w", err)
		}
		if err := v.UnmarshalJSON(b); err != nil {
			return nil, nil, nil, fmt.Errorf("lm: %s: %w", ck.Path(checkpoint.VocabFile), err)
		}
	}
	m, err := New(fc.Model, v, 0)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("lm: %s: %w", ck.Path(checkpoint.ConfigFile), err)
	}
	if err := m.readParams(ck, checkpoint.ModelFile); err != nil {
		return nil, nil, nil, err
	}
	return m, ck, fc.Train, nil
}

// Save writes a complete training checkpoint to dir: the model files, the
// optimizer state (optimizer.safetensors), the carried recurrent state
// (carry.safetensors) and the position (state.json).
func (t *Trainer) Save(dir string) error {
	cfg := t.Config
	files, err := t.Model.files(&cfg)
	if err != nil {
		return err
	}
	ot, om, err := checkpoint.OptimizerTensors(t.opt)
	if err != nil {
		return fmt.Errorf("lm: save %s: %w", dir, err)
	}
	carry := map[string]checkpoint.Tensor{"h": {Shape: t.stateShape(), Data: t.state.H}}
	if t.state.C != nil {
		carry["c"] = checkpoint.Tensor{Shape: t.stateShape(), Data: t.state.C}
	}
	st := trainState{Format: stateFormat, Position: t.pos, LR: t.opt.LR(), Best: t.best,
		TrainLen: len(t.train), TrainHash: hashIDs(t.train), ValidLen: len(t.valid), ValidHash: hashIDs(t.valid),
		BadEpochs: t.bad, History: t.history, SinceLoss: t.sinceLoss, SinceN: t.sinceN}
	if t.bestParams != nil {
		bt := make(map[string]checkpoint.Tensor, len(t.bestParams))
		for i, p := range t.Model.Params() {
			bt[p.Name] = checkpoint.Tensor{Shape: p.Shape, Data: t.bestParams[i]}
		}
		meta := map[string]string{"format": "pt", "model": "recurrent-lm"}
		if t.best != nil {
			meta["valid_loss"] = strconv.FormatFloat(t.best.Loss, 'g', -1, 64)
		}
		files = append(files, checkpoint.TensorsFile(BestFile, bt, meta))
	}
	files = append(files,
		checkpoint.TensorsFile(checkpoint.OptimizerFile, ot, om),
		checkpoint.TensorsFile(CarryFile, carry, nil),
		checkpoint.JSONFile(checkpoint.StateFile, st))
	if err := checkpoint.Save(dir, files...); err != nil {
		return fmt.Errorf("lm: save %s: %w", dir, err)
	}
	return nil
}

func (t *Trainer) stateShape() []int {
	return []int{t.Model.Config.Layers, t.Config.Batch, t.Model.Config.Hidden}
}

// Resume reopens a training checkpoint written by Trainer.Save on the same
// train and valid streams (checked by length and hash) and returns a
// trainer that continues exactly where the saved one stopped. The caller
// may raise Config.Epochs or Config.MaxSteps before Run.
func Resume(dir string, train, valid []int32) (*Trainer, error) {
	m, ck, tc, err := load(dir)
	if err != nil {
		return nil, err
	}
	if tc == nil || !ck.Has(checkpoint.StateFile) {
		return nil, fmt.Errorf("lm: %s is a model checkpoint without training state", dir)
	}
	var st trainState
	if err := ck.ReadJSON(checkpoint.StateFile, &st); err != nil {
		return nil, fmt.Errorf("lm: %w", err)
	}
	if st.Format != stateFormat {
		return nil, fmt.Errorf("lm: %s: format %q, want %q", ck.Path(checkpoint.StateFile), st.Format, stateFormat)
	}
	if st.TrainLen != len(train) || st.TrainHash != hashIDs(train) {
		return nil, fmt.Errorf("lm: resume %s: the training data differs from the checkpoint's (%d tokens then, %d now)", dir, st.TrainLen, len(train))
	}
	if st.ValidLen != len(valid) || st.ValidHash != hashIDs(valid) {
		return nil, fmt.Errorf("lm: resume %s: the validation data differs from the checkpoint's (%d tokens then, %d now)", dir, st.ValidLen, len(valid))
	}
	t, err := NewTrainer(m, train, valid, *tc)
	if err != nil {
		return nil, err
	}
	if st.Position.Chunk < 0 || st.Position.Chunk > t.sb.NumChunks() || st.Position.Epoch < 0 || st.Position.Step < 0 {
		return nil, fmt.Errorf("lm: resume %s: position %+v outside the data's %d chunks", dir, st.Position, t.sb.NumChunks())
	}
	if err := ck.ReadOptimizer(t.opt); err != nil {
		return nil, fmt.Errorf("lm: resume %s: %w", dir, err)
	}
	t.opt.SetLR(st.LR)
	carry, _, err := ck.ReadTensors(CarryFile)
	if err != nil {
		return nil, fmt.Errorf("lm: %w", err)
	}
	want := map[string][]float32{"h": t.state.H}
	if t.state.C != nil {
		want["c"] = t.state.C
	}
	if len(carry) != len(want) {
		return nil, fmt.Errorf("lm: resume %s: %s has %d tensors, want %d", dir, CarryFile, len(carry), len(want))
	}
	for name, dst := range want {
		ten, ok := carry[name]
		if !ok || len(ten.Data) != len(dst) {
			return nil, fmt.Errorf("lm: resume %s: %s: tensor %q missing or not of shape %v", dir, CarryFile, name, t.stateShape())
		}
		copy(dst, ten.Data)
	}
	t.pos, t.best = st.Position, st.Best
	if ck.Has(BestFile) {
		bt, _, err := ck.ReadTensors(BestFile)
		if err != nil {
			return nil, fmt.Errorf("lm: %w", err)
		}
		t.keepBest() // allocates; overwritten below
		for i, p := range t.Model.Params() {
			b, ok := bt[p.Name]
			if !ok || len(b.Data) != len(p.Data) {
				return nil, fmt.Errorf("lm: resume %s: %s: tensor %q missing or of the wrong size", dir, BestFile, p.Name)
			}
			copy(t.bestParams[i], b.Data)
		}
	}
	t.bad, t.history, t.sinceLoss, t.sinceN = st.BadEpochs, st.History, st.SinceLoss, st.SinceN
	return t, nil
}
