package classify

import (
	"fmt"

	"github.com/recurrent-go/recurrent/checkpoint"
	"github.com/recurrent-go/recurrent/nn"
)

// LabelsFile lists the label names in id order (JSON array); a
// classifier checkpoint holds it besides the conventional files.
const LabelsFile = "labels.json"

// modelMeta is the safetensors metadata of the weights files.
var modelMeta = map[string]string{"format": "pt", "model": "recurrent-classify"}

// files returns the checkpoint files besides the weights.
func (m *Model) files(train *TrainConfig) []checkpoint.File {
	return checkpoint.TaskFiles(m.Config, train, m.Vocab, checkpoint.JSONFile(LabelsFile, m.Labels))
}

// Save writes the model (config.json, vocab.json, labels.json,
// model.safetensors) as the checkpoint directory dir, replacing it
// atomically.
func (m *Model) Save(dir string) error {
	if err := checkpoint.SaveModel(dir, m.files(nil), m.params, modelMeta); err != nil {
		return fmt.Errorf("classify: save %s: %w", dir, err)
	}
	return nil
}

// Load reads a model saved by Model.Save or Trainer.Save (the best
// parameters on dev), in evaluation mode.
func Load(dir string) (*Model, error) {
	m, _, _, err := load(dir)
	if m != nil {
		m.SetTraining(false)
	}
	return m, err
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
	m, ck, tc, err := checkpoint.LoadTask[Config, TrainConfig](dir, (*Config).dims, func(ck *checkpoint.Checkpoint, c Config) (*Model, []*nn.Param, error) {
		v, err := ck.ReadVocab(checkpoint.VocabFile)
		if err != nil {
			return nil, nil, err
		}
		var labels []string
		if err := ck.ReadJSON(LabelsFile, &labels); err != nil {
			return nil, nil, err
		}
		m, err := New(c, v, labels, 0)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", ck.Path(checkpoint.ConfigFile), err)
		}
		return m, m.params, nil
	})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("classify: %w", err)
	}
	return m, ck, tc, nil
}
