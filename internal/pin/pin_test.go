// Package pin holds the behaviour pins of the five trainers: for each, a
// small fixed run on the files in testdata/pin (fixed seed, one thread)
// whose final weights must hash to a constant recorded before the
// training loops were merged into one (issue 14), and a run cancelled at a
// fixed step and resumed from its checkpoint, which must end with the
// same bytes. A change that moves a hash changes what training computes:
// it needs a reason, not a new constant.
package pin

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/classify"
	"github.com/recurrent-go/recurrent/lm"
	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/seq2seq"
	"github.com/recurrent-go/recurrent/tag"
	"github.com/recurrent-go/recurrent/tensor"
	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/train"
)

// dataDir is testdata/pin at the repository's root.
const dataDir = "../../testdata/pin"

// hashParams is the SHA-256 of the parameters in order: each one's name,
// shape and float32 data, little-endian.
func hashParams(ps []*nn.Param) string {
	h := sha256.New()
	var b [4]byte
	for _, p := range ps {
		h.Write([]byte(p.Name))
		h.Write([]byte{0})
		for _, d := range p.Shape {
			binary.LittleEndian.PutUint32(b[:], uint32(d))
			h.Write(b[:])
		}
		for _, v := range p.Data {
			binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
			h.Write(b[:])
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// oneThread runs the test on one tensor thread.
func oneThread(t *testing.T) {
	old := tensor.Threads()
	tensor.SetThreads(1)
	t.Cleanup(func() { tensor.SetThreads(old) })
}

// pinned is one trainer's pin: run trains from scratch, cancelling through
// cancel (nil: never) after the step given and saving into dir, and
// returns the final parameters; resume continues from dir.
type pinned struct {
	name     string
	want     string // SHA-256 of the uninterrupted run's final weights
	cancelAt int64
	run      func(t *testing.T, ctx context.Context, dir string, onStep func(step int64)) ([]*nn.Param, error)
	resume   func(t *testing.T, ctx context.Context, dir string) ([]*nn.Param, error)
}

// trainer is what every task's trainer offers the pins: Run with typed
// progress events, returning the task's own result type R.
type trainer[R any] interface {
	Run(ctx context.Context, progress func(train.Event)) (R, error)
}

// pinOf is the pin of one task, over its model M, its encoded data D and
// its trainer T: build makes the model and the data afresh; start makes a
// trainer on them; resume reopens the checkpoint in a directory on freshly
// built data; parts returns a trainer's checkpoint directory field and
// its model's parameters. The pin's runs fail the test if start or resume
// fails and return the error of the trainer's Run.
func pinOf[M, D any, T trainer[R], R any](name, want string, cancelAt int64,
	build func(t *testing.T) (M, D),
	start func(M, D) (T, error),
	resume func(dir string, d D) (T, error),
	parts func(T) (dir *string, params []*nn.Param),
) pinned {
	runWith := func(t *testing.T, tr T, err error, ctx context.Context, progress func(train.Event)) ([]*nn.Param, error) {
		t.Helper()
		must(t, err)
		_, err = tr.Run(ctx, progress)
		_, ps := parts(tr)
		return ps, err
	}
	return pinned{
		name: name, want: want, cancelAt: cancelAt,
		run: func(t *testing.T, ctx context.Context, dir string, onStep func(int64)) ([]*nn.Param, error) {
			tr, err := start(build(t))
			if err == nil {
				d, _ := parts(tr)
				*d = dir
			}
			return runWith(t, tr, err, ctx, onProgress(onStep))
		},
		resume: func(t *testing.T, ctx context.Context, dir string) ([]*nn.Param, error) {
			_, d := build(t)
			tr, err := resume(dir, d)
			return runWith(t, tr, err, ctx, nil)
		},
	}
}

func TestPinnedTrainers(t *testing.T) {
	oneThread(t)
	for _, p := range pins() {
		t.Run(p.name, func(t *testing.T) {
			ps, err := p.run(t, context.Background(), "", nil)
			must(t, err)
			got := hashParams(ps)
			if got != p.want {
				t.Errorf("final weights hash %s, pinned %s", got, p.want)
			}

			// Cancel after step cancelAt, then resume from the checkpoint.
			dir := filepath.Join(t.TempDir(), "ck")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			_, err = p.run(t, ctx, dir, func(step int64) {
				if step == p.cancelAt {
					cancel()
				}
			})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("cancelled run: err %v, want context.Canceled", err)
			}
			ps, err = p.resume(t, context.Background(), dir)
			must(t, err)
			if r := hashParams(ps); r != got {
				t.Errorf("cancelled at step %d and resumed: hash %s, uninterrupted %s", p.cancelAt, r, got)
			}
		})
	}
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dataDir, name))
	must(t, err)
	return string(b)
}

// lmStream returns lm.txt as character ids (a line ends with "\n"): the
// first 80% for training, the rest for validation, and the vocabulary.
func lmStream(t *testing.T) (train, valid []int32, v *text.Vocab) {
	s := readFile(t, "lm.txt")
	c := text.NewCounter()
	var toks []string
	for _, r := range s {
		toks = append(toks, string(r))
	}
	c.Add(toks)
	v, err := text.BuildVocab(c, text.VocabOptions{})
	must(t, err)
	ids, err := v.Encode(nil, toks)
	must(t, err)
	cut := len(ids) * 4 / 5
	return ids[:cut], ids[cut:], v
}

// labelled returns labels.tsv as examples.
func labelled(t *testing.T) []classify.Example {
	ex, err := classify.ReadFile(filepath.Join(dataDir, "labels.tsv"), classify.TSV)
	must(t, err)
	return ex
}

func pins() []pinned {
	return []pinned{pinLM(), pinCond(), pinClassify(), pinTag(), pinSeq2seq()}
}

// onProgress calls onStep (if set) with the step of every train.StepEvent.
func onProgress(onStep func(int64)) func(train.Event) {
	return func(e train.Event) {
		if p, ok := e.(train.StepEvent); ok && onStep != nil {
			onStep(p.Pos.Step)
		}
	}
}

// lmData is lm.txt's training and validation streams.
type lmData struct{ train, valid []int32 }

func pinLM() pinned {
	cfg := lm.TrainConfig{Batch: 4, BPTT: 8, Epochs: 3, Optimizer: "adam", LR: 0.01, Clip: 1, Seed: 5, EvalEvery: 7}
	build := func(t *testing.T) (*lm.Model, lmData) {
		train, valid, v := lmStream(t)
		m, err := lm.New(lm.Config{Arch: lm.Arch{Cell: "lstm", VocabSize: v.Len(), EmbedDim: 8, Hidden: 12, Layers: 2, Dropout: 0.1}, InitRange: 0.1}, v, 3)
		must(t, err)
		return m, lmData{train, valid}
	}
	return pinOf("lm", "1f58800251c6717d5f5961f5ccdbfed1680973a44d623fa9a57ab097846de3af", 11, build,
		func(m *lm.Model, d lmData) (*lm.Trainer, error) { return lm.NewTrainer(m, d.train, d.valid, cfg) },
		func(dir string, d lmData) (*lm.Trainer, error) { return lm.Resume(dir, d.train, d.valid) },
		func(tr *lm.Trainer) (*string, []*nn.Param) { return &tr.Dir, tr.Model.Params() })
}

// condData encodes the labelled examples for m.
func condData(t *testing.T, m *lm.CondModel, ex []classify.Example) lm.CondData {
	var d lm.CondData
	for _, e := range ex {
		l := m.LabelID(e.Label)
		if l < 0 {
			t.Fatalf("label %q", e.Label)
		}
		d.Sents, d.Labels = append(d.Sents, m.EncodeSentence(e.Text)), append(d.Labels, l)
	}
	return d
}

func pinCond() pinned {
	tc := lm.CondTrainConfig{Epochs: 3, Batch: 8, LR: 0.01, Clip: 5, Seed: 6, Optimizer: "adam", Bucket: true}
	build := func(t *testing.T) (*lm.CondModel, lm.CondData) {
		ex := labelled(t)
		tok := text.Tokenizer{Mode: text.Whitespace}
		c := text.NewCounter()
		for _, e := range ex {
			c.Add(tok.Tokenize(e.Text))
		}
		v, err := text.BuildVocab(c, text.VocabOptions{Specials: []string{text.UNK, text.EOS}})
		must(t, err)
		m, err := lm.NewCond(lm.CondConfig{Arch: lm.Arch{Cell: "gru", VocabSize: v.Len(), EmbedDim: 8, Hidden: 10, Layers: 1, Dropout: 0.1},
			Labels: []string{"neg", "pos"}, Condition: lm.CondBoth, LabelDim: 3, Tokenizer: tok}, v, tc.Seed)
		must(t, err)
		return m, condData(t, m, ex)
	}
	return pinOf("lm-train-labels", "212790e2f7c14a4d730028ed2e2c48a963d010515a31f9765b603ba671d770e1", 9, build,
		func(m *lm.CondModel, d lm.CondData) (*lm.CondTrainer, error) {
			return lm.NewCondTrainer(m, d, lm.CondData{}, tc)
		},
		func(dir string, d lm.CondData) (*lm.CondTrainer, error) { return lm.ResumeCond(dir, d, lm.CondData{}) },
		func(tr *lm.CondTrainer) (*string, []*nn.Param) { return &tr.Dir, tr.Model.Params() })
}

func pinClassify() pinned {
	tc := classify.TrainConfig{Config: train.Config{Epochs: 3, Batch: 8, Optimizer: "adam", LR: 0.01, Clip: 5, Seed: 7}, WordDropout: 0.1, Bucket: true}
	build := func(t *testing.T) (*classify.Model, *classify.Data) {
		ex := labelled(t)
		tok := text.Tokenizer{Mode: text.Whitespace}
		v, err := classify.BuildVocab(ex, tok, classify.VocabOptions{})
		must(t, err)
		m, err := classify.New(classify.Config{Arch: classify.ArchRNN, Embed: 8, Cell: "lstm", Hidden: 6, Layers: 1, Bidirectional: true,
			Pool: classify.PoolMax, Dropout: 0.2, VocabSize: v.Len(), Classes: 2, Binary: true, Tokenizer: tok}, v, []string{"neg", "pos"}, 2)
		must(t, err)
		d, err := m.EncodeExamples(ex, "train")
		must(t, err)
		return m, d
	}
	return pinOf("classify", "edad555f96a6b9ce3bfacaeb3b167c7108f61bcd0dc8dff169f71a0e94c8fa69", 8, build,
		func(m *classify.Model, d *classify.Data) (*classify.Trainer, error) {
			return classify.NewTrainer(m, d, nil, tc)
		},
		func(dir string, d *classify.Data) (*classify.Trainer, error) { return classify.Resume(dir, d, nil) },
		func(tr *classify.Trainer) (*string, []*nn.Param) { return &tr.Dir, tr.Model.Params() })
}

func conll(t *testing.T) []tag.Sentence {
	s, err := tag.ReadCoNLL(strings.NewReader(readFile(t, "tags.conll")), "tags.conll", tag.ReadOptions{})
	must(t, err)
	return s
}

func pinTag() pinned {
	tc := tag.TrainConfig{Config: train.Config{Epochs: 3, Batch: 5, Optimizer: "adam", LR: 0.01, Clip: 5, Seed: 8}, Decay: 0.05}
	build := func(t *testing.T) (*tag.Model, *tag.Data) {
		sents := conll(t)
		cfg := tag.Config{WordEmbed: 8, CharEmbed: 6, CharHidden: 4, Cell: "lstm", Hidden: 10, Layers: 1, Dropout: 0.2,
			Lower: true, NormDigits: true, Tags: tag.TagSet(sents, tag.IOBES), TrainScheme: "iobes", Scheme: "iob2"}
		words, chars, err := tag.BuildVocabs(sents, &cfg, tag.VocabOptions{})
		must(t, err)
		cfg.VocabSize, cfg.CharVocab = words.Len(), chars.Len()
		m, err := tag.New(cfg, words, chars, 4)
		must(t, err)
		d, err := m.EncodeSentences(sents, "train", true)
		must(t, err)
		return m, d
	}
	return pinOf("tag", "f8231197e06a26f8673ee20cea3d4cdb661a98c800518422523dfe6ec186facd", 7, build,
		func(m *tag.Model, d *tag.Data) (*tag.Trainer, error) { return tag.NewTrainer(m, d, nil, tc) },
		func(dir string, d *tag.Data) (*tag.Trainer, error) { return tag.Resume(dir, d, nil) },
		func(tr *tag.Trainer) (*string, []*nn.Param) { return &tr.Dir, tr.Model.Params() })
}

func pinSeq2seq() pinned {
	tc := seq2seq.TrainConfig{Epochs: 3, Batch: 16, Optimizer: "adam", LR: 5e-3, LRDecay: 0.9, Clip: 5, Seed: 9, DevDecode: -1}
	build := func(t *testing.T) (*seq2seq.Model, seq2seq.Encoded) {
		pairs, err := seq2seq.ReadPairsFile(filepath.Join(dataDir, "dates.tsv"))
		must(t, err)
		src, tgt, err := seq2seq.BuildVocabs(pairs, "char")
		must(t, err)
		m, err := seq2seq.New(seq2seq.Config{Embed: 8, Hidden: 10}, src, tgt, 3)
		must(t, err)
		e, err := m.Encode(pairs)
		must(t, err)
		return m, e
	}
	return pinOf("translate", "5372ddf573e9d5fffe3b77d4d56353f1553d4122a5b0231074d203ec886f4e1b", 6, build,
		func(m *seq2seq.Model, d seq2seq.Encoded) (*seq2seq.Trainer, error) {
			return seq2seq.NewTrainer(m, d, seq2seq.Encoded{}, tc)
		},
		func(dir string, d seq2seq.Encoded) (*seq2seq.Trainer, error) {
			return seq2seq.Resume(dir, d, seq2seq.Encoded{})
		},
		func(tr *seq2seq.Trainer) (*string, []*nn.Param) { return &tr.Dir, tr.Model.Params() })
}

// must fails the test if err is not nil.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
