package tag

import (
	"context"
	"fmt"
	"io"

	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/train"
	"github.com/recurrent-go/recurrent/vectors"
)

// Setup describes a training run from CoNLL files, as `recurrent tag
// train` takes it: the data, the model and the training settings. Errors
// about a setting name it as that command's flag.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type Setup struct {
	// TrainFile, ValidFile (may be "") and TestFile (may be "", scored
	// after training) are CoNLL column files.
	TrainFile, ValidFile, TestFile string
	// Vectors, if not "", is a word-vector file the word embedding starts
	// from; MinCount drops rarer training words.
	Vectors  string
	MinCount int64
	// Model (with its Scheme and TrainScheme) and Training (with its
	// budget) are the configurations.
	Model    Config
	Training TrainConfig
}

// Session is a training run set up (Setup.Start or Setup.Resume) and
// ready to Train.
type Session struct {
	Trainer *Trainer
	// Sentences is the number of training sentences; Test are the
	// sentences scored after training (nil: none), from TestFile.
	Sentences int
	Test      []Sentence
	TestFile  string
	// Vectors is the vector file, VecDim its dimension and Coverage its
	// coverage (new runs with vectors only).
	Vectors  string
	VecDim   int
	Coverage *vectors.Coverage
}

// Summary is the result of a Session: the run, the vocabulary and its
// vector coverage, the last and best dev Metrics and the test Metrics.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type Summary struct {
	train.TaskSummary[Metrics, Metrics, vectors.Coverage]
	// Scheme is the data's tag scheme (Config.Scheme): with "plain" the
	// figures are conlleval -r's.
	Scheme string `json:"scheme"`
}

// read reads the training, dev and test sentences.
func (s *Setup) read() (tr, dev, test []Sentence, err error) {
	// The dev and test files keep their -DOCSTART- rows, which conlleval
	// counts as tokens outside any chunk.
	read := func(opts ReadOptions) func(string) ([]Sentence, error) {
		return func(p string) ([]Sentence, error) { return ReadCoNLLFile(p, opts) }
	}
	sets, err := text.ReadFiles(read(ReadOptions{}), s.TrainFile)
	if err == nil {
		var eval [][]Sentence
		eval, err = text.ReadFiles(read(ReadOptions{KeepDocStart: true}), s.ValidFile, s.TestFile)
		sets = append(sets, eval...)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	scheme, err := dataScheme(s.Model.Scheme, sets[0])
	if err != nil {
		return nil, nil, nil, err
	}
	// A dev or test file given but empty would train without validation,
	// or end without a test result, without a word.
	for i, f := range []string{s.TrainFile, s.ValidFile, s.TestFile} {
		if f != "" && len(sets[i]) == 0 {
			return nil, nil, nil, fmt.Errorf("tag train: %s has no sentences", f)
		}
		if scheme == Plain {
			continue
		}
		if err := checkChunkTags(sets[i], f); err != nil {
			return nil, nil, nil, err
		}
	}
	return sets[0], sets[1], sets[2], nil
}

// Start reads the data, builds a new model (with the vectors) and its
// trainer, which checkpoints into dir (a checkpoint there is replaced only
// with overwrite).
func (s *Setup) Start(dir string, overwrite bool) (*Session, error) {
	tr, dev, test, err := s.read()
	if err != nil {
		return nil, err
	}
	var vec *vectors.Vectors
	if s.Vectors != "" {
		if vec, err = vectors.Load(s.Vectors); err != nil {
			return nil, err
		}
	}
	m, err := Build(tr, s.Model, VocabOptions{MinCount: s.MinCount, Vectors: vec}, s.Training.Seed)
	if err != nil {
		return nil, err
	}
	ses := &Session{Sentences: len(tr), Test: test, TestFile: s.TestFile, Vectors: s.Vectors}
	if vec != nil {
		cov, err := m.InitVectors(vec, tr, s.MinCount, s.Training.Seed)
		if err != nil {
			return nil, err
		}
		ses.Coverage, ses.VecDim = &cov, vec.Dim
	}
	trd, err := m.EncodeSentences(tr, s.TrainFile, true)
	if err == nil {
		ses.Trainer, err = NewTrainer(m, trd, dev, s.Training)
	}
	if err != nil {
		return nil, err
	}
	ses.Trainer.Dir, ses.Trainer.Overwrite = dir, overwrite
	return ses, nil
}

// Resume reads the data and reopens the training checkpoint in dir. given
// reports which settings were asked for (by flag name): a model or
// optimizer setting given with a value other than the checkpoint's, or
// one that cannot change, is a *train.ConflictError; the budget, patience,
// clip and save-every given apply from the resumed step on.
func (s *Setup) Resume(dir string, given func(name string) bool) (*Session, error) {
	tr, dev, test, err := s.read()
	var t *Trainer
	if err == nil {
		t, err = s.resumeOn(dir, tr, dev)
	}
	if err != nil {
		return nil, err
	}
	c, tc, n, ntc := t.Model.Config, t.Config, s.Model, s.Training
	// The train scheme asked for is compared as Build makes it: by its
	// name (IOBES, bio: iobes, iob2), and plain on plain data.
	ts := n.TrainScheme
	if p, err := ParseScheme(ts); err == nil {
		ts = p.String()
	}
	if c.Scheme == Plain.String() {
		ts = Plain.String()
	}
	err = train.CheckResume(given, []train.Setting{
		{Name: "cell", Now: n.Cell, Saved: c.Cell}, {Name: "word-embed", Now: n.WordEmbed, Saved: c.WordEmbed}, {Name: "char-embed", Now: n.CharEmbed, Saved: c.CharEmbed},
		{Name: "char-hidden", Now: n.CharHidden, Saved: c.CharHidden}, {Name: "hidden", Now: n.Hidden, Saved: c.Hidden}, {Name: "layers", Now: n.Layers, Saved: c.Layers},
		{Name: "dropout", Now: n.Dropout, Saved: c.Dropout}, {Name: "freeze", Now: n.Freeze, Saved: c.Freeze}, {Name: "lower", Now: n.Lower, Saved: c.Lower},
		{Name: "norm-digits", Now: n.NormDigits, Saved: c.NormDigits}, {Name: "train-scheme", Now: ts, Saved: c.TrainScheme},
		{Name: "batch", Now: ntc.Batch, Saved: tc.Batch}, {Name: "optimizer", Now: ntc.Optimizer, Saved: tc.Optimizer}, {Name: "lr", Now: ntc.LR, Saved: tc.LR},
		{Name: "decay", Now: ntc.Decay, Saved: tc.Decay}, {Name: "seed", Now: ntc.Seed, Saved: tc.Seed},
	}, "vectors", "min-count", "scheme")
	if err != nil {
		return nil, fmt.Errorf("tag train --resume: %w", err)
	}
	t.Config.Resumed(s.Training.Config, given)
	return &Session{Trainer: t, Sentences: len(tr), Test: test, TestFile: s.TestFile}, nil
}

// resumeOn reopens the checkpoint in dir on the training sentences tr (of
// TrainFile) and the dev sentences (Resume).
func (s *Setup) resumeOn(dir string, tr, dev []Sentence) (*Trainer, error) {
	m, err := Load(dir)
	if err != nil {
		return nil, err
	}
	trd, err := m.EncodeSentences(tr, s.TrainFile, true)
	if err != nil {
		return nil, err
	}
	return Resume(dir, trd, dev)
}

// WriteNotes describes the session: the vectors' coverage and the model.
func (s *Session) WriteNotes(w io.Writer) error {
	m := s.Trainer.Model
	c := m.Config
	if v := s.Coverage; v != nil {
		fmt.Fprintf(w, "vectors: %s (dim %d): %d of %d training word types found (%.1f%%); vocabulary %d words\n",
			s.Vectors, s.VecDim, v.Train, v.Of, 100*v.Rate, m.Vocab.Len())
	}
	_, err := fmt.Fprintf(w, "model: word %d + char BiLSTM %dx%d -> bi%s %d layers x %d -> %d tags (%s); vocab %d, %d parameters; %d sentences\n",
		c.WordEmbed, c.CharEmbed, c.CharHidden, c.Cell, c.Layers, c.Hidden, len(c.Tags), c.TrainScheme, c.VocabSize, nn.CountParams(m.Params()), s.Sentences)
	return err
}

// Train runs the trainer (Trainer.Run; progress may be nil) and
// summarizes the run, scoring the test sentences after a normal stop. A
// cancelled run returns its summary (Interrupted) with ctx's error.
func (s *Session) Train(ctx context.Context, progress func(train.Event)) (*Summary, error) {
	t := s.Trainer
	var test func() (*Metrics, error)
	if s.Test != nil {
		test = func() (*Metrics, error) {
			r, _, err := t.Model.Score(ctx, s.Test, s.TestFile, 128)
			return &r, err
		}
	}
	ts, err := train.Summarize(ctx, &t.TaskTrainer, progress, t.Model.Params(), t.Model.Config.VocabSize, s.Coverage, test)
	if ts == nil {
		return nil, err
	}
	return &Summary{*ts, t.Model.Config.Scheme}, err
}

// WriteText writes the summary as text (the test figures as conlleval's
// report).
func (s *Summary) WriteText(w io.Writer) error {
	best := func(b *Metrics) string { return fmt.Sprintf("best dev F1 %.2f", b.F1) }
	if s.Scheme == Plain.String() {
		best = func(b *Metrics) string {
			return fmt.Sprintf("best dev accuracy %.2f, F1 %.2f (plain tags, scored as conlleval -r)", b.Accuracy, b.F1)
		}
	}
	return s.TaskSummary.WriteText(w, best,
		func(w io.Writer, r *Metrics) error {
			fmt.Fprintf(w, "test: ")
			return r.WriteConlleval(w)
		})
}
