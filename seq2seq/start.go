package seq2seq

import (
	"fmt"

	"github.com/recurrent-go/recurrent/nn"
)

// Data are the training and dev pairs of a training run, with the names
// that errors about them use (their files).
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type Data struct {
	Train, Dev         []Pair
	TrainName, DevName string
}

// ReadData reads the training pairs and, when devPath is not "", the dev
// pairs (ReadPairsFile). A file holding no pairs is an error naming it (a
// dev file given but empty would train without validation).
func ReadData(trainPath, devPath string) (Data, error) {
	d := Data{TrainName: trainPath, DevName: devPath}
	var err error
	if d.Train, err = readSomePairs(trainPath); err != nil {
		return d, err
	}
	if devPath != "" {
		d.Dev, err = readSomePairs(devPath)
	}
	return d, err
}

// readSomePairs reads a pair file that must hold at least one pair.
func readSomePairs(path string) ([]Pair, error) {
	pairs, err := ReadPairsFile(path)
	if err == nil && len(pairs) == 0 {
		err = fmt.Errorf("seq2seq: %s holds no source<TAB>target pairs", path)
	}
	return pairs, err
}

// encodeData encodes d with m's vocabularies, naming the file on error.
func (m *Model) encodeData(d Data) (train, dev Encoded, err error) {
	if train, err = m.Encode(d.Train); err != nil {
		return train, dev, fmt.Errorf("%s: %w", d.TrainName, err)
	}
	if dev, err = m.Encode(d.Dev); err != nil {
		return train, dev, fmt.Errorf("%s: %w", d.DevName, err)
	}
	return train, dev, nil
}

// NewPairsTrainer builds the vocabularies from d.Train (cfg.Tokens), a new
// model from cfg initialised with tc.Seed, and a trainer on d that
// checkpoints into dir (replacing a checkpoint there only with overwrite).
func NewPairsTrainer(d Data, cfg Config, tc TrainConfig, dir string, overwrite bool) (*Trainer, error) {
	src, tgt, err := BuildVocabs(d.Train, cfg.Tokens)
	if err != nil {
		return nil, err
	}
	m, err := New(cfg, src, tgt, tc.Seed)
	if err != nil {
		return nil, err
	}
	train, dev, err := m.encodeData(d)
	if err != nil {
		return nil, err
	}
	t, err := NewTrainer(m, train, dev, tc)
	if err != nil {
		return nil, err
	}
	t.Dir, t.Overwrite = dir, overwrite
	return t, nil
}

// ResumePairs reopens the training checkpoint in dir for d (Resume, with
// the pairs encoded by the checkpoint's vocabularies).
func ResumePairs(dir string, d Data) (*Trainer, error) {
	return resume(dir, func(m *Model) (Encoded, Encoded, error) { return m.encodeData(d) })
}

// Changes says which settings of a TrainConfig a resumed run takes from
// the caller rather than from its checkpoint.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type Changes struct {
	// Budget takes Epochs and MaxSteps together (a budget given replaces
	// the saved one).
	Budget                              bool
	LR, LRDecay, Clip, Patience, Decode bool
}

// Continue applies the settings of c that ch selects, from the current
// step on: the budget, the learning rate (Config.LR and the optimizer's,
// only when c.LR differs from the run's starting rate: the starting rate
// itself keeps the decayed current one, so that the original command line
// rerun with --resume continues exactly), its decay, clipping, patience
// and DevDecode. The architecture, Batch,
// Optimizer and Seed stay the checkpoint's.
func (t *Trainer) Continue(c TrainConfig, ch Changes) {
	tc := &t.Config
	if ch.Budget {
		tc.Epochs, tc.MaxSteps = c.Epochs, c.MaxSteps
	}
	if ch.LR && c.LR != tc.LR {
		tc.LR = c.LR
		t.Loop().Optimizer().SetLR(c.LR)
	}
	if ch.LRDecay {
		tc.LRDecay = c.LRDecay
	}
	if ch.Clip {
		tc.Clip = c.Clip
	}
	if ch.Patience {
		tc.Patience = c.Patience
	}
	if ch.Decode {
		tc.DevDecode = c.DevDecode
	}
}

// Describe returns a one-line description of the model and the run: cells,
// sizes, attention, tokens, vocabularies, parameters and batches per epoch.
func (t *Trainer) Describe() string {
	m := t.Model
	c := m.Config
	return fmt.Sprintf("model: %s encoder (%d layer(s), 2x%d), %s decoder (%d), attention %s, %s tokens; vocab %d -> %d; %d parameters; %d batches/epoch",
		c.Cell, c.Layers, c.Hidden, c.DecoderCell, c.DecoderHidden, c.Attention, c.Tokens, m.Src.Len(), m.Tgt.Len(),
		nn.CountParams(m.Params()), t.Batches())
}
