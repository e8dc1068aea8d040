package tag

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"

	"github.com/recurrent-go/recurrent/checkpoint"
	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/text"
)

// Files of a tagger checkpoint besides the conventional ones.
const (
	// CharsFile holds the character vocabulary.
	CharsFile = "chars.json"
	// LastFile holds the parameters reached by training (model.safetensors
	// holds the best ones on dev), for Resume.
	LastFile = "last.safetensors"
)

const stateFormat = "recurrent-tag-train-state"

type fileConfig struct {
	Model Config       `json:"model"`
	Train *TrainConfig `json:"train,omitempty"`
}

type trainState struct {
	Format    string     `json:"format"`
	Position  Position   `json:"position"`
	LR        float64    `json:"lr"`
	Best      *DevResult `json:"best_dev,omitempty"`
	Last      *DevResult `json:"last_dev,omitempty"`
	Bad       int        `json:"epochs_without_improvement"`
	Stopped   bool       `json:"stopped"`
	TrainHash uint64     `json:"train_hash"`
	DevHash   uint64     `json:"dev_hash"`
	Counts    [2]int     `json:"sentences"`
}

// hashData fingerprints training data and dev sentences so that a resume on
// other data fails.
func hashData(d *Data, dev []Sentence) uint64 {
	h := fnv.New64a()
	var b [4]byte
	put := func(v int32) {
		binary.LittleEndian.PutUint32(b[:], uint32(v))
		h.Write(b[:])
	}
	if d != nil {
		for i, s := range d.Words {
			put(int32(len(s)))
			for _, id := range s {
				put(id)
			}
			if d.Tags != nil {
				for _, id := range d.Tags[i] {
					put(id)
				}
			}
		}
	}
	for _, s := range dev {
		put(int32(len(s.Tokens)))
		for i, w := range s.Tokens {
			h.Write([]byte(w))
			h.Write([]byte{0})
			h.Write([]byte(s.Tags[i]))
			h.Write([]byte{0})
		}
	}
	return h.Sum64()
}

func (m *Model) files(train *TrainConfig, params []*nn.Param) []checkpoint.File {
	files := []checkpoint.File{
		checkpoint.JSONFile(checkpoint.ConfigFile, fileConfig{Model: m.Config, Train: train}),
		checkpoint.JSONFile(checkpoint.VocabFile, m.Vocab),
		checkpoint.ParamsFile(checkpoint.ModelFile, params, map[string]string{"format": "pt", "model": "recurrent-tag"}),
	}
	if m.Chars != nil {
		files = append(files, checkpoint.JSONFile(CharsFile, m.Chars))
	}
	return files
}

// Save writes the model (config.json, vocab.json, chars.json,
// model.safetensors) as the checkpoint directory dir, atomically.
func (m *Model) Save(dir string) error {
	if err := checkpoint.Save(dir, m.files(nil, m.params)...); err != nil {
		return fmt.Errorf("tag: save %s: %w", dir, err)
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

func readVocab(ck *checkpoint.Checkpoint, name string) (*text.Vocab, error) {
	v := new(text.Vocab)
	if err := ck.ReadUnmarshal(name, v); err != nil {
		return nil, err
	}
	return v, nil
}

// dims ties the sizes of config.json to the tensors of model.safetensors,
// so that Load checks them before building the model.
func (c *Config) dims() []checkpoint.Dim {
	d := []checkpoint.Dim{
		{Field: "model.vocab_size", Value: c.VocabSize, Tensor: "word_embedding.weight", Axis: 0},
		{Field: "model.word_embed", Value: c.WordEmbed, Tensor: "word_embedding.weight", Axis: 1},
		{Field: "model.hidden", Value: c.Hidden, Tensor: "rnn.weight_hh_l0", Axis: 1},
		{Field: "model.layers", Value: c.Layers, Tensor: "rnn.weight_hh_l%d"},
		{Field: "model.tags", Value: len(c.Tags), Tensor: "head.bias", Axis: 0},
	}
	if c.CharHidden > 0 {
		d = append(d, checkpoint.Dim{Field: "model.char_vocab", Value: c.CharVocab, Tensor: "char_embedding.weight", Axis: 0},
			checkpoint.Dim{Field: "model.char_embed", Value: c.CharEmbed, Tensor: "char_embedding.weight", Axis: 1},
			checkpoint.Dim{Field: "model.char_hidden", Value: c.CharHidden, Tensor: "char_rnn.weight_hh_l0", Axis: 1})
	}
	return d
}

func load(dir string) (*Model, *checkpoint.Checkpoint, *TrainConfig, error) {
	ck, err := checkpoint.Load(dir)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("tag: %w", err)
	}
	var fc fileConfig
	if err := ck.ReadJSON(checkpoint.ConfigFile, &fc); err != nil {
		return nil, nil, nil, fmt.Errorf("tag: %w", err)
	}
	if err := ck.CheckDims(checkpoint.ModelFile, fc.Model.dims()...); err != nil {
		return nil, nil, nil, fmt.Errorf("tag: %w", err)
	}
	words, err := readVocab(ck, checkpoint.VocabFile)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("tag: %w", err)
	}
	var chars *text.Vocab
	if fc.Model.CharHidden > 0 {
		if chars, err = readVocab(ck, CharsFile); err != nil {
			return nil, nil, nil, fmt.Errorf("tag: %w", err)
		}
	}
	m, err := New(fc.Model, words, chars, 0)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("tag: %s: %w", ck.Path(checkpoint.ConfigFile), err)
	}
	if _, err := ck.ReadParams(checkpoint.ModelFile, m.params); err != nil {
		return nil, nil, nil, fmt.Errorf("tag: %w", err)
	}
	return m, ck, fc.Train, nil
}

// Save writes a complete training checkpoint to dir: the model files with
// the best parameters so far in model.safetensors (the current ones without
// dev data), the current parameters (last.safetensors), the optimizer state
// and the position (state.json).
func (t *Trainer) Save(dir string) error {
	cfg := t.Config
	files := t.Model.files(&cfg, t.early.BestParams(t.Model.params))
	ot, om, err := checkpoint.OptimizerTensors(t.opt)
	if err != nil {
		return fmt.Errorf("tag: save %s: %w", dir, err)
	}
	st := trainState{Format: stateFormat, Position: t.pos, LR: t.opt.LR(), Best: t.best, Last: t.last, Bad: t.early.Bad,
		Stopped: t.early.Stopped, TrainHash: hashData(t.train, nil), DevHash: hashData(nil, t.dev), Counts: [2]int{t.train.Len(), len(t.dev)}}
	files = append(files,
		checkpoint.ParamsFile(LastFile, t.Model.params, nil),
		checkpoint.TensorsFile(checkpoint.OptimizerFile, ot, om),
		checkpoint.JSONFile(checkpoint.StateFile, st))
	if err := checkpoint.Save(dir, files...); err != nil {
		return fmt.Errorf("tag: save %s: %w", dir, err)
	}
	return nil
}

// Resume reopens a training checkpoint written by Trainer.Save on the same
// training data and dev sentences (checked by fingerprint) and returns a
// trainer that continues exactly where the saved one stopped. The caller
// may raise Config.Epochs before Run.
func Resume(dir string, train *Data, dev []Sentence) (*Trainer, error) {
	m, ck, tc, err := load(dir)
	if err != nil {
		return nil, err
	}
	if tc == nil || !ck.Has(checkpoint.StateFile) || !ck.Has(LastFile) {
		return nil, fmt.Errorf("tag: %s is a model checkpoint without training state", dir)
	}
	var st trainState
	if err := ck.ReadJSON(checkpoint.StateFile, &st); err != nil {
		return nil, fmt.Errorf("tag: %w", err)
	}
	if st.Format != stateFormat {
		return nil, fmt.Errorf("tag: %s: format %q, want %q", ck.Path(checkpoint.StateFile), st.Format, stateFormat)
	}
	if st.TrainHash != hashData(train, nil) || st.Counts[0] != train.Len() {
		return nil, fmt.Errorf("tag: resume %s: the training data differs from the checkpoint's (%d sentences then, %d now)", dir, st.Counts[0], train.Len())
	}
	if st.DevHash != hashData(nil, dev) || st.Counts[1] != len(dev) {
		return nil, fmt.Errorf("tag: resume %s: the dev data differs from the checkpoint's (%d sentences then, %d now)", dir, st.Counts[1], len(dev))
	}
	var bp [][]float32
	if st.Best != nil {
		bp = nn.Snapshot(m.params, nil)
	}
	if _, err := ck.ReadParams(LastFile, m.params); err != nil {
		return nil, fmt.Errorf("tag: %w", err)
	}
	m.SetTraining(true)
	t, err := NewTrainer(m, train, dev, *tc)
	if err != nil {
		return nil, err
	}
	if err := ck.ReadOptimizer(t.opt); err != nil {
		return nil, fmt.Errorf("tag: resume %s: %w", dir, err)
	}
	t.opt.SetLR(st.LR)
	t.pos, t.best, t.last = st.Position, st.Best, st.Last
	t.early = nn.EarlyStopping{Best: bp, Bad: st.Bad, Stopped: st.Stopped}
	return t, nil
}
