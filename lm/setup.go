package lm

import (
	"errors"
	"fmt"
	"strings"

	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/train"
)

// TokenizerOptions choose a model's tokenizer as the flags of lm train and
// lm import do; errors name those flags.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type TokenizerOptions struct {
	// Name is "char", "word" or "whitespace" (text.ParseMode).
	Name string
	// Level, if set, is "char" or "word": a shorthand for Name that
	// replaces it, and contradicts it when NameSet and they differ.
	Level   string
	NameSet bool
	// Lower lowercases the text; SplitPunct keeps punctuation as separate
	// tokens (word tokenizer only).
	Lower, SplitPunct bool
	// BOS and EOS mark the ends of a line; EOS "auto" is "\n" for
	// characters and <eos> otherwise.
	BOS, EOS string
}

// Tokenizer returns the tokenizer the options describe.
func (o *TokenizerOptions) Tokenizer() (text.Tokenizer, error) {
	name := o.Name
	switch o.Level {
	case "":
	case "char", "word":
		if o.NameSet && o.Name != o.Level {
			return text.Tokenizer{}, fmt.Errorf("--level %s contradicts --tokenizer %s", o.Level, o.Name)
		}
		name = o.Level
	default:
		return text.Tokenizer{}, fmt.Errorf("--level %q: want char or word", o.Level)
	}
	mode, err := text.ParseMode(name)
	if err != nil {
		return text.Tokenizer{}, err
	}
	tok := text.Tokenizer{Mode: mode, Lower: o.Lower, SplitPunct: o.SplitPunct, BOS: o.BOS, EOS: o.EOS}
	if o.EOS == "auto" {
		tok.EOS = text.EOS
		if mode == text.Chars {
			tok.EOS = "\n"
		}
	}
	if o.SplitPunct && mode != text.Words {
		return tok, errors.New("--split-punct applies to the word tokenizer only")
	}
	return tok, nil
}

// DataOptions say where lm train's token streams come from and how the
// vocabulary is made.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type DataOptions struct {
	// Train are the training files (plain or .gz), read as one stream.
	Train []string
	// Valid and Test are optional files; without Valid the last
	// ValidFraction of the training stream is held out (0: none).
	Valid, Test   string
	ValidFraction float64
	// Vocab is a vocabulary file (text.LoadVocab) to use instead of
	// counting the training files.
	Vocab string
	// Specials are the comma-separated special tokens, or "auto": <unk>
	// and the line markers (for characters, <unk> only with Valid or Test
	// and only the markers other than "\n").
	Specials string
	// MinCount and MaxVocab are text.VocabOptions' MinCount and MaxSize.
	MinCount int64
	MaxVocab int
}

// VocabOptions returns the options that build the vocabulary of text split
// by tok.
func (o *DataOptions) VocabOptions(tok text.Tokenizer) text.VocabOptions {
	opt := text.VocabOptions{MinCount: o.MinCount, MaxSize: o.MaxVocab, Specials: []string{}}
	switch {
	case o.Specials == "auto" && tok.Mode == text.Chars:
		// A closed character set, unless separate files may hold characters
		// the training file lacks; markers other than "\n" are special.
		if o.Valid != "" || o.Test != "" {
			opt.Specials = append(opt.Specials, text.UNK)
		}
		for _, s := range []string{tok.BOS, tok.EOS} {
			if s != "" && s != "\n" {
				opt.Specials = append(opt.Specials, s)
			}
		}
	case o.Specials == "auto":
		opt.Specials = append(opt.Specials, text.UNK)
		for _, s := range []string{tok.EOS, tok.BOS} {
			if s != "" {
				opt.Specials = append(opt.Specials, s)
			}
		}
	case o.Specials != "":
		opt.Specials = strings.Split(o.Specials, ",")
	}
	return opt
}

// Data are the token streams of a training run and their vocabulary.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type Data struct {
	Vocab              *text.Vocab
	Train, Valid, Test []int32
}

// Read encodes the files with tok and v; a nil v is the Vocab file's or,
// without one, built from the training files (VocabOptions).
func (o *DataOptions) Read(tok *text.Tokenizer, v *text.Vocab) (*Data, error) {
	if o.Valid == "" && !(o.ValidFraction >= 0 && o.ValidFraction < 1) {
		return nil, fmt.Errorf("--valid-fraction %v must be in [0, 1)", o.ValidFraction)
	}
	var err error
	switch {
	case v != nil:
	case o.Vocab != "":
		v, err = text.LoadVocab(o.Vocab)
	default:
		v, err = text.CountFiles(tok, o.Train, o.VocabOptions(*tok))
	}
	if err != nil {
		return nil, err
	}
	d := &Data{Vocab: v}
	for _, p := range o.Train {
		ids, err := text.EncodeFile(v, tok, p)
		if err != nil {
			return nil, err
		}
		d.Train = append(d.Train, ids...)
	}
	if o.Valid != "" {
		if d.Valid, err = text.EncodeFile(v, tok, o.Valid); err != nil {
			return nil, err
		}
	} else if o.ValidFraction > 0 {
		n := len(d.Train) - int(float64(len(d.Train))*o.ValidFraction)
		d.Train, d.Valid = d.Train[:n], d.Train[n:]
	}
	if o.Test != "" {
		if d.Test, err = text.EncodeFile(v, tok, o.Test); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// NewRun builds the tokenizer, reads the data, and returns a Trainer of a
// new model of cfg (its VocabSize and Tokenizer are filled in; DivValue
// is dropped without AdaptiveCutoffs) with the data read. A tc without
// any budget trains one epoch.
func NewRun(cfg Config, tok TokenizerOptions, data DataOptions, tc TrainConfig) (*Trainer, *Data, error) {
	if tc.Epochs == 0 && tc.MaxSteps == 0 && tc.TimeLimit == 0 {
		tc.Epochs = 1
	}
	var err error
	if cfg.Tokenizer, err = tok.Tokenizer(); err != nil {
		return nil, nil, err
	}
	d, err := data.Read(&cfg.Tokenizer, nil)
	if err != nil {
		return nil, nil, err
	}
	cfg.VocabSize = d.Vocab.Len()
	if len(cfg.AdaptiveCutoffs) == 0 {
		cfg.DivValue = 0
	}
	m, err := New(cfg, d.Vocab, tc.Seed)
	if err != nil {
		return nil, nil, err
	}
	tr, err := NewTrainer(m, d.Train, d.Valid, tc)
	return tr, d, err
}

// ResumeRun reopens the training checkpoint in dir on the files of data
// (Resume), reading them with the checkpoint's tokenizer and vocabulary.
// check vets the settings asked for against the checkpoint's: first
// against its model (tc nil), before any data is read, then against its
// training configuration too.
func ResumeRun(dir string, data DataOptions, check func(m *Model, tc *TrainConfig) error) (*Trainer, *Data, error) {
	m, err := Load(dir)
	if err != nil {
		return nil, nil, err
	}
	if err := check(m, nil); err != nil {
		return nil, nil, err
	}
	d, err := data.Read(&m.Config.Tokenizer, m.Vocab)
	if err != nil {
		return nil, nil, err
	}
	tr, err := Resume(dir, d.Train, d.Valid)
	if err != nil {
		return nil, nil, err
	}
	return tr, d, check(tr.Model, &tr.Config)
}

// ResumeSettings pairs the architecture settings of cfg and tok (and, with
// tc, the training settings of given) with those of the checkpoint's
// model m and training configuration tc, named as lm train's flags, for
// the caller to compare those given explicitly (train.CheckResume). The tokenizer is compared only when tokGiven (its
// name, level or end-of-line token was given).
func ResumeSettings(m *Model, tc *TrainConfig, cfg Config, tok TokenizerOptions, tokGiven bool, given TrainConfig) ([]train.Setting, error) {
	c := m.Config
	div := cfg.DivValue
	if len(cfg.AdaptiveCutoffs) == 0 {
		div = 0
	}
	s := []train.Setting{{Name: "cell", Now: cfg.Cell, Saved: c.Cell}, {Name: "embed", Now: cfg.EmbedDim, Saved: c.EmbedDim}, {Name: "hidden", Now: cfg.Hidden, Saved: c.Hidden},
		{Name: "layers", Now: cfg.Layers, Saved: c.Layers}, {Name: "dropout", Now: cfg.Dropout, Saved: c.Dropout}, {Name: "tied", Now: cfg.Tied, Saved: c.Tied},
		{Name: "init-range", Now: cfg.InitRange, Saved: c.InitRange}, {Name: "adaptive-softmax", Now: cfg.AdaptiveCutoffs, Saved: c.AdaptiveCutoffs},
		{Name: "div-value", Now: div, Saved: c.DivValue}, {Name: "lower", Now: tok.Lower, Saved: c.Tokenizer.Lower},
		{Name: "split-punct", Now: tok.SplitPunct, Saved: c.Tokenizer.SplitPunct}, {Name: "bos", Now: tok.BOS, Saved: c.Tokenizer.BOS}}
	if tc != nil {
		s = append(s, train.Setting{Name: "batch", Now: given.Batch, Saved: tc.Batch}, train.Setting{Name: "bptt", Now: given.BPTT, Saved: tc.BPTT},
			train.Setting{Name: "optimizer", Now: given.Optimizer, Saved: tc.Optimizer}, train.Setting{Name: "weight-decay", Now: given.WeightDecay, Saved: tc.WeightDecay},
			train.Setting{Name: "seed", Now: given.Seed, Saved: tc.Seed})
	}
	if tokGiven {
		t, err := tok.Tokenizer()
		if err != nil {
			return nil, err
		}
		mode, saved := t.Mode.String(), c.Tokenizer.Mode.String()
		s = append(s, train.Setting{Name: "level", Now: mode, Saved: saved}, train.Setting{Name: "tokenizer", Now: mode, Saved: saved},
			train.Setting{Name: "eos", Now: fmt.Sprintf("%q", t.EOS), Saved: fmt.Sprintf("%q", c.Tokenizer.EOS)})
	}
	return s, nil
}

// Reconfigure applies to a resumed trainer the budget and schedule
// settings of c that given reports as given, by lm train's flag names: a
// budget given (epochs, steps or max-steps) replaces the saved one whole,
// so --epochs alone lifts a saved step budget and --steps alone makes the
// epochs unbounded; an lr other than the run's starting rate (Config.LR)
// also replaces the optimizer's current rate, while the starting rate
// itself keeps the current one (the original command line rerun with
// --resume continues the decayed or annealed rate exactly). The
// architecture, Batch, BPTT, Optimizer and Seed stay the checkpoint's.
func (t *Trainer) Reconfigure(c TrainConfig, given func(flag string) bool) {
	tc := &t.Config
	if given("epochs") || given("max-steps") || given("steps") {
		tc.Epochs, tc.MaxSteps = c.Epochs, c.MaxSteps
	}
	if given("lr") && c.LR != tc.LR {
		tc.LR = c.LR
		t.SetLR(c.LR)
	}
	for flag, set := range map[string]func(){
		"time-limit": func() { tc.TimeLimit = c.TimeLimit }, "clip": func() { tc.Clip = c.Clip },
		"anneal": func() { tc.Anneal = c.Anneal }, "lr-decay": func() { tc.LRDecay = c.LRDecay },
		"lr-decay-start": func() { tc.LRDecayStart = c.LRDecayStart }, "schedule": func() { tc.Schedule = c.Schedule },
		"warmup": func() { tc.Warmup = c.Warmup }, "patience": func() { tc.Patience = c.Patience },
		"eval-every": func() { tc.EvalEvery = c.EvalEvery }, "eval-batch": func() { tc.EvalBatch = c.EvalBatch },
		"checkpoint-every": func() { tc.CheckpointEvery = c.CheckpointEvery },
	} {
		if given(flag) {
			set()
		}
	}
}
