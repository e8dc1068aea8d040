// Package trainer trains word vectors with the method named in its options
// (word2vec's skip-gram or CBOW, or GloVe) from corpus files, a vocabulary
// file or GloVe co-occurrence shards, and summarizes the run: what
// `recurrent vectors train` does between its flags and its output.
package trainer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/vectors"
	"github.com/recurrent-go/recurrent/vectors/glove"
	"github.com/recurrent-go/recurrent/vectors/word2vec"
)

// Options configures Train. Zero fields take the defaults of the method's
// package (word2vec.Options, glove.Options).
type Options struct {
	// Method is "skipgram" (or another name word2vec.ParseMethod takes),
	// "cbow" or "glove".
	Method string
	// Corpus lists the text files (plain or gzip); "-" is Stdin.
	Corpus []string
	// Stdin is what the corpus file "-" reads (nil: os.Stdin). It is read
	// once, into a temporary file that every pass over the corpus rereads.
	Stdin io.Reader
	// Vocab is a vocabulary file (see text.LoadVocab) to train instead of
	// counting one with MinCount.
	Vocab string
	// Cooccur lists GloVe co-occurrence shards (files or directories, see
	// glove.ShardPaths) counted with Vocab, to train from instead of Corpus.
	Cooccur []string

	Dim, Window, MinCount int
	// Epochs is word2vec's passes over the corpus, GloVe's iterations.
	Epochs  int
	Alpha   float64
	Seed    uint64
	Threads int
	// Negative, ShareNegatives, HS and Sample are word2vec's.
	Negative       int
	ShareNegatives bool
	HS             bool
	Sample         float64
	// XMax and MemoryBytes are GloVe's.
	XMax        float64
	MemoryBytes int64
}

// Summary describes a training run.
type Summary struct {
	Method      string  `json:"method"`
	Words       int64   `json:"words"` // corpus tokens read
	VocabSize   int     `json:"vocab_size"`
	Seconds     float64 `json:"seconds"`
	WordsPerSec float64 `json:"words_per_sec"`
	Loss        float64 `json:"loss"` // the final loss (GloVe: cost)
	// Out is where the caller wrote the vectors.
	Out string `json:"out"`
	// Pairs counts GloVe's co-occurrence entries.
	Pairs int64 `json:"cooccurrences,omitempty"`
}

// WriteText writes the summary on one line.
func (s *Summary) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "%s: %d words, vocabulary %d, %.1fs (%.0f words/s), loss %.4f -> %s\n",
		s.Method, s.Words, s.VocabSize, s.Seconds, s.WordsPerSec, s.Loss, s.Out)
	return err
}

// Progress is a progress event of either method: Done of Total (Total < 0:
// unknown) in Stage, and the method's own event.
type Progress struct {
	Stage       string // "vocab", "cooccur" or "train"
	Done, Total int64
	Word2Vec    *word2vec.Progress // skip-gram and CBOW
	GloVe       *glove.Progress
}

// String describes the event for a progress display.
func (p Progress) String() string {
	switch {
	case p.Word2Vec != nil && p.Stage == "vocab":
		return fmt.Sprintf("counting words %.2fM", float64(p.Done)/1e6)
	case p.Word2Vec != nil:
		w := p.Word2Vec
		wps := float64(w.Words) / max(w.Elapsed.Seconds(), 1e-9)
		return fmt.Sprintf("epoch %d/%d  %.0fk words/s  alpha %.5f  loss %.4f", w.Epoch, w.Epochs, wps/1e3, w.Alpha, w.Loss)
	case p.Stage == "train":
		return fmt.Sprintf("iteration %d/%d  cost %.4f", p.GloVe.Iteration, p.GloVe.Iterations, p.GloVe.Cost)
	}
	return fmt.Sprintf("%s %.2fM tokens", p.Stage, float64(p.Done)/1e6)
}

// DefaultShareNegatives tells whether method (skipgram, cbow, glove)
// shares negative samples unless told otherwise: batched skip-gram is
// several times faster at equal or better quality; batched CBOW saves less
// and scores a little lower on analogies (BENCHMARKS.md), so CBOW stays
// per pair unless asked.
func DefaultShareNegatives(method string) bool {
	m, err := word2vec.ParseMethod(method)
	return err == nil && m == word2vec.SkipGram
}

// Train trains vectors as opt says, calling progress (if not nil) with
// progress events. It checks the options and opens the inputs before any
// work starts.
func Train(ctx context.Context, opt Options, progress func(Progress)) (*vectors.Vectors, *Summary, error) {
	if progress == nil {
		progress = func(Progress) {}
	}
	if len(opt.Cooccur) > 0 && (opt.Method != "glove" || opt.Vocab == "" || len(opt.Corpus) > 0) {
		return nil, nil, errors.New("--cooccur trains glove from counted co-occurrences: it needs --method glove and --vocab, and no --corpus")
	}
	var w2v word2vec.Method
	if opt.Method != "glove" {
		var err error
		if w2v, err = word2vec.ParseMethod(opt.Method); err != nil {
			return nil, nil, err
		}
	}
	start := time.Now()
	in, err := openInputs(ctx, opt)
	if err != nil {
		return nil, nil, err
	}
	defer in.close()
	var v *vectors.Vectors
	sum := &Summary{Method: opt.Method}
	if opt.Method == "glove" {
		v, err = trainGloVe(ctx, opt, in, sum, progress)
	} else {
		v, err = trainWord2Vec(ctx, opt, w2v, in, sum, progress)
	}
	if err != nil {
		return nil, nil, in.named(err)
	}
	sum.Seconds = time.Since(start).Seconds()
	sum.WordsPerSec = float64(sum.Words) / sum.Seconds
	return v, sum, nil
}

// inputs are the opened corpus and vocabulary of a run.
type inputs struct {
	corpus *text.Corpus // nil when training from co-occurrence shards
	vocab  *text.CorpusVocab
	temp   string // the temporary copy of standard input, if any
}

func (in *inputs) close() {
	if in.temp != "" {
		os.Remove(in.temp)
	}
}

// named returns err with the temporary copy of standard input called "-",
// the name the user gave it (errors.Is and As still see err).
func (in *inputs) named(err error) error {
	if in.temp == "" || !strings.Contains(err.Error(), in.temp) {
		return err
	}
	return stdinNamed{err, in.temp}
}

// stdinNamed is an error whose text names the temporary copy of standard
// input, told with "-" in its place.
type stdinNamed struct {
	err  error
	temp string
}

func (e stdinNamed) Error() string { return strings.ReplaceAll(e.err.Error(), e.temp, "-") }
func (e stdinNamed) Unwrap() error { return e.err }

// openInputs checks the corpus files (copying standard input to a
// temporary file) and loads the vocabulary file.
func openInputs(ctx context.Context, opt Options) (*inputs, error) {
	in := &inputs{}
	if len(opt.Cooccur) == 0 {
		paths, temp, err := spoolStdin(ctx, opt.Corpus, opt.Stdin)
		if err != nil {
			return nil, err
		}
		in.temp = temp
		if in.corpus, err = text.NewCorpus(paths...); err != nil {
			in.close()
			return nil, err
		}
	}
	if opt.Vocab != "" {
		v, err := text.LoadVocab(opt.Vocab)
		if err == nil {
			in.vocab, err = text.NewCorpusVocab(v)
			if err != nil {
				err = fmt.Errorf("%s: %w", opt.Vocab, err)
			}
		}
		if err != nil {
			in.close()
			return nil, err
		}
	}
	return in, nil
}

// spoolStdin returns paths with "-" replaced by a temporary file holding
// what stdin (nil: os.Stdin) reads, and that file's name. Cancelling ctx
// stops the copy at its next read.
func spoolStdin(ctx context.Context, paths []string, stdin io.Reader) ([]string, string, error) {
	out := append([]string(nil), paths...)
	temp := ""
	for i, p := range out {
		if p != "-" {
			continue
		}
		if temp != "" {
			os.Remove(temp)
			return nil, "", errors.New(`corpus: "-" (standard input) given more than once`)
		}
		if stdin == nil {
			stdin = os.Stdin
		}
		f, err := os.CreateTemp("", "recurrent-stdin-*")
		if err != nil {
			return nil, "", fmt.Errorf("corpus: copying standard input: %w", err)
		}
		temp, out[i] = f.Name(), f.Name()
		_, err = io.Copy(f, ctxReader{ctx, stdin})
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(temp)
			return nil, "", fmt.Errorf("corpus: copying standard input: %w", err)
		}
	}
	return out, temp, nil
}

func trainGloVe(ctx context.Context, opt Options, in *inputs, sum *Summary, progress func(Progress)) (*vectors.Vectors, error) {
	gopt := glove.Options{Dim: opt.Dim, Window: opt.Window, MinCount: opt.MinCount, Iterations: opt.Epochs, XMax: opt.XMax,
		Alpha: opt.Alpha, Threads: opt.Threads, Seed: opt.Seed, MemoryBytes: opt.MemoryBytes, Vocab: in.vocab}
	report := func(p glove.Progress) {
		total := int64(-1)
		if p.Stage == "train" {
			total = p.Total
		}
		progress(Progress{Stage: p.Stage, Done: p.Done, Total: total, GloVe: &p})
	}
	var m *glove.Model
	if len(opt.Cooccur) > 0 {
		paths, err := glove.ShardPaths(opt.Cooccur...)
		if err != nil {
			return nil, err
		}
		if m, err = glove.TrainCooccur(ctx, in.vocab, paths, gopt, report); err != nil {
			return nil, err
		}
	} else {
		var err error
		if m, err = glove.Train(ctx, in.corpus, gopt, report); err != nil {
			return nil, err
		}
	}
	sum.Words, sum.VocabSize, sum.Loss, sum.Pairs = m.Vocab.Tokens, m.Vocab.Len(), m.Loss, m.Pairs
	return m.Vectors(), nil
}

func trainWord2Vec(ctx context.Context, opt Options, method word2vec.Method, in *inputs, sum *Summary, progress func(Progress)) (*vectors.Vectors, error) {
	wopt := word2vec.Options{Method: method, Dim: opt.Dim, Window: opt.Window, Negative: opt.Negative, ShareNegatives: opt.ShareNegatives,
		HS: opt.HS, MinCount: opt.MinCount, Sample: opt.Sample, Epochs: opt.Epochs, Alpha: opt.Alpha, Threads: opt.Threads, Seed: opt.Seed}
	report := func(p word2vec.Progress) {
		total := p.TotalWords
		if p.Stage == "vocab" {
			total = -1
		}
		progress(Progress{Stage: p.Stage, Done: p.Words, Total: total, Word2Vec: &p})
	}
	var m *word2vec.Model
	var err error
	if in.vocab != nil {
		m, err = word2vec.TrainVocab(ctx, in.corpus, in.vocab, wopt, report)
	} else {
		m, err = word2vec.Train(ctx, in.corpus, wopt, report)
	}
	if err != nil {
		return nil, err
	}
	sum.Words, sum.VocabSize, sum.Loss = m.Vocab.Tokens, m.Vocab.Len(), m.Loss
	return m.Vectors(), nil
}

// ctxReader reads from r until ctx is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
