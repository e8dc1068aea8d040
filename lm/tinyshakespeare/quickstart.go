package tinyshakespeare

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/recurrent-go/recurrent/infer"
	"github.com/recurrent-go/recurrent/lm"
	"github.com/recurrent-go/recurrent/text"
)

// Tokenizer is the corpus's character tokenizer: every character a token,
// "\n" the end of a line.
func Tokenizer() text.Tokenizer { return text.Tokenizer{Mode: text.Chars, EOS: "\n"} }

// Vocab returns the vocabulary of the corpus's characters (no specials),
// most frequent first.
func Vocab() (*text.Vocab, error) {
	tok := Tokenizer()
	c := text.NewCounter()
	if err := text.CountReader(c, &tok, strings.NewReader(Text), "tinyshakespeare"); err != nil {
		return nil, err
	}
	return text.BuildVocab(c, text.VocabOptions{Specials: []string{}})
}

// QuickstartOptions configure a quickstart run.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type QuickstartOptions struct {
	// Dir is the checkpoint directory.
	Dir string
	// Duration is the training time.
	Duration time.Duration
	// Hidden and Layers shape the LSTM (a resumed run keeps the
	// checkpoint's).
	Hidden, Layers int
	// Seed initialises a new model and seeds the samples (the batches are
	// the corpus in order).
	Seed uint64
	// Resume continues the checkpoint in Dir for another Duration.
	Resume bool
}

// Quickstart is a character LSTM language model trainer on the corpus:
// the first 90% for training, the last 10% for validation (Split).
type Quickstart struct {
	*lm.Trainer
	// TrainChars, ValidChars and Vocab are the sizes of the data.
	TrainChars, ValidChars, Vocab int
	// Duration is the training time.
	Duration time.Duration
	// seed is QuickstartOptions.Seed, which the samples also use.
	seed uint64
}

// DefaultDir is the default quickstart checkpoint directory, in the
// user's cache directory (or the temporary directory).
func DefaultDir() string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "recurrent", "quickstart-lm")
	}
	return filepath.Join(os.TempDir(), "recurrent-quickstart-lm")
}

// NewQuickstart prepares the run: a new model (embedding 64, Adam 5e-3,
// batch 32 x 32 characters, clipping 1) or, with Resume, the checkpoint in
// Dir. It creates Dir's parent directory.
func NewQuickstart(o QuickstartOptions) (*Quickstart, error) {
	if err := text.MkdirAll(filepath.Dir(o.Dir)); err != nil {
		return nil, err
	}
	v, err := Vocab()
	if err != nil {
		return nil, err
	}
	tok := Tokenizer()
	trainText, validText := Split()
	// The split falls inside a line; each part ends its last line with "\n".
	train, err := text.EncodeReader(v, &tok, strings.NewReader(trainText), "tinyshakespeare (train)")
	if err != nil {
		return nil, err
	}
	valid, err := text.EncodeReader(v, &tok, strings.NewReader(validText), "tinyshakespeare (valid)")
	if err != nil {
		return nil, err
	}
	q := &Quickstart{TrainChars: len(train), ValidChars: len(valid), Vocab: v.Len(), Duration: o.Duration}
	if o.Resume {
		if q.Trainer, err = lm.Resume(o.Dir, train, valid); err != nil {
			return nil, err
		}
		q.Config.TimeLimit = o.Duration
	} else {
		m, err := lm.New(lm.Config{Arch: lm.Arch{Cell: "lstm", VocabSize: v.Len(), EmbedDim: 64, Hidden: o.Hidden, Layers: o.Layers}, Tokenizer: tok}, v, o.Seed)
		if err != nil {
			return nil, err
		}
		q.Trainer, err = lm.NewTrainer(m, train, valid, lm.TrainConfig{
			Batch: 32, BPTT: 32, Epochs: 10, Optimizer: "adam", LR: 5e-3, Clip: 1,
			EvalBatch: 64, TimeLimit: o.Duration, Seed: o.Seed,
		})
		if err != nil {
			return nil, err
		}
	}
	q.Dir, q.seed = o.Dir, o.Seed
	return q, nil
}

// Intro describes the data and the time to train.
func (q *Quickstart) Intro() string {
	return fmt.Sprintf("tiny-shakespeare: %d training and %d validation characters, %d distinct; training for %s",
		q.TrainChars, q.ValidChars, q.Vocab, q.Duration)
}

// WriteSamples writes n samples of length characters from the model at
// temperature 0.8, separated by "----" lines as lm sample prints them.
func (q *Quickstart) WriteSamples(ctx context.Context, w io.Writer, n, length int) error {
	l, err := infer.NewLM(q.Model)
	if err != nil {
		return err
	}
	opt := lm.SampleOptions{MaxTokens: length, Temperature: 0.8, Seed: q.seed}
	return l.WriteSamples(ctx, w, "", opt, n, false, false)
}

// Outro tells what to do next with the checkpoint in Dir: sample more,
// train longer, serve it.
func (q *Quickstart) Outro() string {
	return fmt.Sprintf("more: recurrent lm sample --model %[1]q --prompt \"ROMEO:\" --temperature 0.8\n"+
		"train longer: recurrent quickstart --resume --out %[1]q\n"+
		"serve it (web page and JSON API): recurrent serve --model shakespeare=%[1]q\n", q.Dir)
}
