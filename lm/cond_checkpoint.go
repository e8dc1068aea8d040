package lm

import (
	"encoding/json"
	"fmt"

	"github.com/recurrent-go/recurrent/checkpoint"
)

// Save writes the model (config.json, vocab.json, model.safetensors)
// atomically as the checkpoint directory dir.
func (m *CondModel) Save(dir string) error {
	err := checkpoint.Save(dir,
		checkpoint.JSONFile(checkpoint.ConfigFile, m.Config),
		checkpoint.JSONFile(checkpoint.VocabFile, m.Vocab),
		checkpoint.ParamsFile(checkpoint.ModelFile, m.params, map[string]string{"format": "pt", "model": "recurrent-lm-conditional"}))
	if err != nil {
		return fmt.Errorf("lm: save %s: %w", dir, err)
	}
	return nil
}

// IsConditional reports whether dir holds a CondModel checkpoint.
func IsConditional(dir string) bool {
	ck, err := checkpoint.Load(dir)
	if err != nil {
		return false
	}
	b, err := ck.ReadFile(checkpoint.ConfigFile)
	if err != nil {
		return false
	}
	var probe struct {
		Kind string `json:"kind"`
	}
	return json.Unmarshal(b, &probe) == nil && probe.Kind == CondKind
}

// dims ties the sizes of config.json to the tensors of model.safetensors,
// so that LoadCond checks them before building the model.
func (c *CondConfig) dims() []checkpoint.Dim {
	d := c.Arch.dims("")
	if c.useInput() {
		d = append(d, checkpoint.Dim{Field: "labels", Value: len(c.Labels), Tensor: "label_embedding.weight", Axis: 0},
			checkpoint.Dim{Field: "label_dim", Value: c.LabelDim, Tensor: "label_embedding.weight", Axis: 1})
	}
	if c.useInit() {
		d = append(d, checkpoint.Dim{Field: "labels", Value: len(c.Labels), Tensor: "label_init.weight", Axis: 0})
	}
	if c.LabelBias {
		d = append(d, checkpoint.Dim{Field: "labels", Value: len(c.Labels), Tensor: "label_bias.weight", Axis: 0})
	}
	return d
}

// LoadCond reads a CondModel written by CondModel.Save.
func LoadCond(dir string) (*CondModel, error) {
	ck, err := checkpoint.Load(dir)
	if err != nil {
		return nil, fmt.Errorf("lm: %w", err)
	}
	var cfg CondConfig
	if err := ck.ReadJSON(checkpoint.ConfigFile, &cfg); err != nil {
		return nil, fmt.Errorf("lm: %w", err)
	}
	if cfg.Kind != CondKind {
		return nil, fmt.Errorf("lm: %s: not a conditional model (kind %q)", ck.Path(checkpoint.ConfigFile), cfg.Kind)
	}
	if err := ck.CheckDims(checkpoint.ModelFile, cfg.dims()...); err != nil {
		return nil, fmt.Errorf("lm: %w", err)
	}
	v, err := ck.ReadVocab(checkpoint.VocabFile)
	if err != nil {
		return nil, fmt.Errorf("lm: %w", err)
	}
	m, err := NewCond(cfg, v, 0)
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, ck.Path(checkpoint.ConfigFile))
	}
	if _, err := ck.ReadParams(checkpoint.ModelFile, m.params); err != nil {
		return nil, fmt.Errorf("lm: %w", err)
	}
	return m, nil
}
