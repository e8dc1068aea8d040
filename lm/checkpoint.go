package lm

import (
	"fmt"
	"path/filepath"

	"github.com/recurrent-go/recurrent/checkpoint"
	"github.com/recurrent-go/recurrent/text"
)

// CarryFile holds the recurrent state carried between chunks (tensors "h"
// and, for an LSTM, "c", each [Layers, B, Hidden]) in a training checkpoint.
const CarryFile = "carry.safetensors"

// oldBestFile held the best weights of training checkpoints written
// before the train package, whose model.safetensors held the latest ones;
// Load still reads it from such directories.
const oldBestFile = "best.safetensors"

// dims ties the sizes of config.json to the tensors of model.safetensors,
// so that Load checks them before building the model.
func (c *Config) dims() []checkpoint.Dim { return c.Arch.dims("model.") }

// dims ties the sizes of a config.json that holds the architecture's
// fields under prefix ("model." or none) to the tensors of
// model.safetensors: the embedding's and the RNN's.
func (a *Arch) dims(prefix string) []checkpoint.Dim {
	return []checkpoint.Dim{
		{Field: prefix + "vocab_size", Value: a.VocabSize, Tensor: "embedding.weight", Axis: 0},
		{Field: prefix + "embed_dim", Value: a.EmbedDim, Tensor: "embedding.weight", Axis: 1},
		{Field: prefix + "hidden_size", Value: a.Hidden, Tensor: "rnn.weight_hh_l0", Axis: 1},
		{Field: prefix + "num_layers", Value: a.Layers, Tensor: "rnn.weight_hh_l%d"},
	}
}

// files returns config.json and vocab.json (the weights are the
// caller's).
func (m *Model) files(train *TrainConfig) ([]checkpoint.File, error) {
	files := []checkpoint.File{checkpoint.JSONFile(checkpoint.ConfigFile, checkpoint.TaskConfig[Config, TrainConfig]{Model: m.Config, Train: train})}
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
	pf, err := m.paramsFile(checkpoint.ModelFile, map[string]string{"format": "pt", "model": "recurrent-lm"})
	if err != nil {
		return err
	}
	files = append(files, pf)
	if err := checkpoint.Save(dir, files...); err != nil {
		return fmt.Errorf("lm: save %s: %w", dir, err)
	}
	return nil
}

// Load reads a model saved by Model.Save or Trainer.Save: from a training
// checkpoint, the weights of its best validation (model.safetensors; the
// latest are in last.safetensors, for Resume).
func Load(dir string) (*Model, error) {
	m, _, _, err := load(dir)
	return m, err
}

// LoadPath is Load of a checkpoint directory also given as the path of
// its model.safetensors (or best.safetensors, as earlier versions named
// it); with int8 the model is then quantized (Quantize).
func LoadPath(path string, int8 bool) (*Model, error) {
	if b := filepath.Base(path); b == "best.safetensors" || b == checkpoint.ModelFile {
		path = filepath.Dir(path)
	}
	m, err := Load(path)
	if err != nil || !int8 {
		return m, err
	}
	if err := m.Quantize(); err != nil {
		return nil, err
	}
	return m, nil
}

func load(dir string) (*Model, *checkpoint.Checkpoint, *TrainConfig, error) {
	ck, fc, err := checkpoint.OpenTask[Config, TrainConfig](dir, (*Config).dims)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("lm: %w", err)
	}
	var v *text.Vocab
	if ck.Has(checkpoint.VocabFile) {
		if v, err = ck.ReadVocab(checkpoint.VocabFile); err != nil {
			return nil, nil, nil, fmt.Errorf("lm: %w", err)
		}
	}
	m, err := New(fc.Model, v, 0)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("lm: %s: %w", ck.Path(checkpoint.ConfigFile), err)
	}
	weights := checkpoint.ModelFile
	if ck.Has(oldBestFile) {
		weights = oldBestFile
	}
	if err := m.readParams(ck, weights); err != nil {
		return nil, nil, nil, err
	}
	return m, ck, fc.Train, nil
}
