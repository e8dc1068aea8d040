package seq2seq

import (
	"encoding/json"
	"fmt"

	"github.com/recurrent-go/recurrent/checkpoint"
	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/train"
)

// Files of a translation checkpoint besides checkpoint's conventional ones.
const (
	SourceVocabFile = "source_vocab.json"
	TargetVocabFile = "target_vocab.json"
)

// files are the model's checkpoint files besides the weights: config.json
// (a checkpoint.TaskConfig of model and train) and the two vocabularies.
func (m *Model) files(train *TrainConfig) []checkpoint.File {
	return []checkpoint.File{
		checkpoint.JSONFile(checkpoint.ConfigFile, checkpoint.TaskConfig[Config, TrainConfig]{Model: m.Config, Train: train}),
		checkpoint.JSONFile(SourceVocabFile, m.Src),
		checkpoint.JSONFile(TargetVocabFile, m.Tgt),
	}
}

// Save writes the model (config.json, the two vocabularies and
// model.safetensors) as the checkpoint directory dir, atomically.
func (m *Model) Save(dir string) error {
	if err := checkpoint.SaveModel(dir, m.files(nil), m.params, map[string]string{"format": "pt", "model": "recurrent-seq2seq"}); err != nil {
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
	var buildErr error // New's error, which names config.json without the package prefix
	m, ck, tc, err := checkpoint.LoadTask[Config, TrainConfig](dir, func(c *Config) []checkpoint.Dim { return c.dims() }, func(ck *checkpoint.Checkpoint, c Config) (*Model, []*nn.Param, error) {
		src, err := ck.ReadVocab(SourceVocabFile)
		if err != nil {
			return nil, nil, err
		}
		tgt, err := ck.ReadVocab(TargetVocabFile)
		if err != nil {
			return nil, nil, err
		}
		m, err := New(c, src, tgt, 0)
		if err != nil {
			buildErr = fmt.Errorf("%w (in %s)", err, ck.Path(checkpoint.ConfigFile))
			return nil, nil, buildErr
		}
		return m, m.params, nil
	})
	switch {
	case buildErr != nil:
		return nil, nil, nil, buildErr
	case err != nil:
		return nil, nil, nil, fmt.Errorf("seq2seq: %w", err)
	}
	return m, ck, tc, nil
}

// Resume reopens a training checkpoint written by a Trainer for the same
// train and dev data (checked by size and hash) and returns a trainer that
// continues exactly where the saved one stopped. The caller may change
// Config.Epochs, MaxSteps, Patience, LRDecay and Clip before Run; the
// architecture, Batch, Optimizer and Seed are the checkpoint's.
func Resume(dir string, trainE, dev Encoded) (*Trainer, error) {
	return resume(dir, func(*Model) (Encoded, Encoded, error) { return trainE, dev, nil })
}

// resume reopens the training checkpoint in dir on the data that data
// encodes with the checkpoint's model.
func resume(dir string, data func(m *Model) (train, dev Encoded, err error)) (*Trainer, error) {
	return train.ResumeTask("seq2seq", dir, load, func(m *Model, ck *checkpoint.Checkpoint, tc TrainConfig) (*Trainer, error) {
		if b, err := ck.ReadFile(checkpoint.StateFile); err == nil {
			var probe struct {
				Format string `json:"format"`
			}
			if json.Unmarshal(b, &probe) == nil && probe.Format == "recurrent-seq2seq-train-state" {
				return nil, fmt.Errorf("seq2seq: %s holds the training state of an older version, which cannot be resumed; its model still loads (train anew to continue)", dir)
			}
		}
		trainE, dev, err := data(m)
		if err != nil {
			return nil, err
		}
		return startTrainer(m, trainE, dev, tc, dir)
	})
}
