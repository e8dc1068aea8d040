package tag

import (
	"fmt"

	"github.com/recurrent-go/recurrent/checkpoint"
	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/text"
)

// CharsFile holds the character vocabulary; a tagger checkpoint holds it
// besides the conventional files.
const CharsFile = "chars.json"

// modelMeta is the safetensors metadata of the weights files.
var modelMeta = map[string]string{"format": "pt", "model": "recurrent-tag"}

// files returns the checkpoint files besides the weights (chars.json
// with a character encoder).
func (m *Model) files(train *TrainConfig) []checkpoint.File {
	var chars []checkpoint.File
	if m.Chars != nil {
		chars = append(chars, checkpoint.JSONFile(CharsFile, m.Chars))
	}
	return checkpoint.TaskFiles(m.Config, train, m.Vocab, chars...)
}

// Save writes the model (config.json, vocab.json, chars.json,
// model.safetensors) as the checkpoint directory dir, atomically.
func (m *Model) Save(dir string) error {
	if err := checkpoint.SaveModel(dir, m.files(nil), m.params, modelMeta); err != nil {
		return fmt.Errorf("tag: save %s: %w", dir, err)
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
	m, ck, tc, err := checkpoint.LoadTask[Config, TrainConfig](dir, (*Config).dims, func(ck *checkpoint.Checkpoint, c Config) (*Model, []*nn.Param, error) {
		words, err := ck.ReadVocab(checkpoint.VocabFile)
		if err != nil {
			return nil, nil, err
		}
		var chars *text.Vocab
		if c.CharHidden > 0 {
			if chars, err = ck.ReadVocab(CharsFile); err != nil {
				return nil, nil, err
			}
		}
		m, err := New(c, words, chars, 0)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", ck.Path(checkpoint.ConfigFile), err)
		}
		return m, m.params, nil
	})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("tag: %w", err)
	}
	return m, ck, tc, nil
}
