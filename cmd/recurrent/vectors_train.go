package main

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/vectors"
	"github.com/recurrent-go/recurrent/vectors/glove"
	"github.com/recurrent-go/recurrent/vectors/word2vec"
)

// vectorsTrainFlags are the flags of `recurrent vectors train`, named after
// the word2vec tool's.
type vectorsTrainFlags struct {
	method   string
	corpus   []string
	out      string
	dim      int
	window   int
	negative int
	hs       bool
	minCount int
	sample   float64
	epochs   int
	alpha    float64
	seed     uint64
	format   string
	json     bool
	quiet    bool
	xMax     float64
	memory   int64
	cpuProf  string
}

func init() {
	var f vectorsTrainFlags
	cmd := &cobra.Command{
		Use:   "train --corpus FILE... --out FILE",
		Short: "Train word vectors (skip-gram, CBOW or GloVe) on a whitespace-tokenized corpus",
		Long: `Train word vectors on one or more text files (plain or gzip), words separated
by whitespace, one sentence per line. Methods: skipgram and cbow (word2vec, with
negative sampling and/or hierarchical softmax) and glove.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runVectorsTrain(cmd, &f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.method, "method", "skipgram", "skipgram, cbow or glove")
	fl.StringSliceVar(&f.corpus, "corpus", nil, "corpus files, plain or .gz (repeat or comma-separate)")
	fl.StringVar(&f.out, "out", "", "output vector file")
	fl.IntVar(&f.dim, "dim", 100, "vector size")
	fl.IntVar(&f.window, "window", 5, "context window (glove: 10 is usual)")
	fl.IntVar(&f.negative, "negative", 5, "negative samples (0 disables)")
	fl.BoolVar(&f.hs, "hs", false, "hierarchical softmax")
	fl.IntVar(&f.minCount, "min-count", 5, "discard words rarer than this")
	fl.Float64Var(&f.sample, "sample", 1e-3, "subsampling threshold for frequent words (0 disables)")
	fl.IntVar(&f.epochs, "epochs", 5, "passes over the corpus (glove: iterations)")
	fl.Float64Var(&f.alpha, "alpha", 0, "initial learning rate (default 0.05; word2vec.c uses 0.025 for skipgram)")
	fl.Uint64Var(&f.seed, "seed", 1, "random seed")
	fl.StringVar(&f.format, "format", "text", "output format: text or binary (word2vec), glove")
	fl.BoolVar(&f.json, "json", false, "print a JSON summary instead of text")
	fl.BoolVar(&f.quiet, "quiet", false, "no progress on standard error")
	fl.Float64Var(&f.xMax, "x-max", 100, "glove: co-occurrence weighting cutoff")
	fl.Int64Var(&f.memory, "memory", 1<<30, "glove: co-occurrence counting memory budget in bytes")
	fl.StringVar(&f.cpuProf, "cpuprofile", "", "write a CPU profile to this file")
	_ = fl.MarkHidden("cpuprofile")
	_ = cmd.MarkFlagRequired("corpus")
	_ = cmd.MarkFlagRequired("out")
	vectorsCmd.AddCommand(cmd)
}

// trainSummary is the --json output.
type trainSummary struct {
	Method      string  `json:"method"`
	Words       int64   `json:"words"`
	VocabSize   int     `json:"vocab_size"`
	Seconds     float64 `json:"seconds"`
	WordsPerSec float64 `json:"words_per_sec"`
	Loss        float64 `json:"loss"`
	Out         string  `json:"out"`
	Pairs       int64   `json:"cooccurrences,omitempty"`
}

func runVectorsTrain(cmd *cobra.Command, f *vectorsTrainFlags) error {
	var format vectors.Format
	switch f.format {
	case "text", "word2vec":
		format = vectors.Word2VecText
	case "binary", "bin", "word2vec-bin":
		format = vectors.Word2VecBinary
	case "glove":
		format = vectors.GloVeText
	default:
		return fmt.Errorf("--format %q: expected text, binary or glove", f.format)
	}
	corpus, err := text.NewCorpus(f.corpus...)
	if err != nil {
		return err
	}
	if f.cpuProf != "" {
		pf, err := os.Create(f.cpuProf)
		if err != nil {
			return err
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	threads, err := threadsFlag(cmd)
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	start := time.Now()
	bar := newTrainBar(f.json || f.quiet)
	var sum trainSummary
	var vecs *vectors.Vectors
	switch f.method {
	case "glove":
		// The co-occurrence buffers (up to --memory) die while the training
		// entries grow; a low GC target keeps that garbage from doubling the
		// peak RSS. The heap holds few pointers, so collections are cheap.
		defer debug.SetGCPercent(debug.SetGCPercent(20))
		opt := glove.Options{Dim: f.dim, Window: f.window, MinCount: f.minCount, Iterations: f.epochs,
			XMax: f.xMax, Alpha: f.alpha, Threads: threads, Seed: f.seed, MemoryBytes: f.memory}
		m, err := glove.Train(ctx, corpus, opt, func(p glove.Progress) { bar.glove(p) })
		if err != nil {
			return err
		}
		vecs = m.Vectors()
		sum.Words, sum.VocabSize, sum.Loss, sum.Pairs = m.Vocab.Tokens, m.Vocab.Len(), m.Loss, m.Pairs
	default:
		method, err := word2vec.ParseMethod(f.method)
		if err != nil {
			return err
		}
		opt := word2vec.Options{Method: method, Dim: f.dim, Window: f.window, Negative: f.negative, HS: f.hs,
			MinCount: f.minCount, Sample: f.sample, Epochs: f.epochs, Alpha: f.alpha, Threads: threads, Seed: f.seed}
		if f.sample == 0 {
			opt.Sample = 0
		}
		m, err := word2vec.Train(ctx, corpus, opt, func(p word2vec.Progress) { bar.word2vec(p) })
		if err != nil {
			return err
		}
		vecs = m.Vectors()
		sum.Words, sum.VocabSize, sum.Loss = m.Words, m.Vocab.Len(), m.Loss
	}
	bar.finish()
	sum.Method = f.method
	sum.Seconds = time.Since(start).Seconds()
	sum.WordsPerSec = float64(sum.Words) / sum.Seconds
	sum.Out = f.out
	if err := vectors.Save(f.out, vecs, format); err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	if f.json {
		return json.NewEncoder(out).Encode(sum)
	}
	fmt.Fprintf(out, "%s: %d words, vocabulary %d, %.1fs (%.0f words/s), loss %.4f -> %s\n",
		sum.Method, sum.Words, sum.VocabSize, sum.Seconds, sum.WordsPerSec, sum.Loss, sum.Out)
	return nil
}

// trainBar renders training progress on a terminal; it is a no-op otherwise.
type trainBar struct {
	on    bool
	bar   *progressbar.ProgressBar
	stage string
}

func newTrainBar(quiet bool) *trainBar {
	return &trainBar{on: !quiet && term.IsTerminal(int(os.Stderr.Fd()))}
}

func (b *trainBar) enabled() bool { return b.on }

func (b *trainBar) set(stage string, total, cur int64, desc string) {
	if b.bar == nil || b.stage != stage {
		if b.bar != nil {
			_ = b.bar.Finish()
			fmt.Fprintln(os.Stderr)
		}
		b.stage = stage
		b.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(os.Stderr),
			progressbar.OptionSetWidth(30),
			progressbar.OptionShowCount(),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionSetPredictTime(total > 0),
			progressbar.OptionClearOnFinish(),
		)
	}
	b.bar.Describe(desc)
	_ = b.bar.Set64(cur)
}

func (b *trainBar) word2vec(p word2vec.Progress) {
	if !b.enabled() {
		return
	}
	wps := float64(p.Words) / max(p.Elapsed.Seconds(), 1e-9)
	if p.Stage == "vocab" {
		b.set("vocab", -1, p.Words, fmt.Sprintf("counting words %.2fM", float64(p.Words)/1e6))
		return
	}
	b.set("train", p.TotalWords, p.Words, fmt.Sprintf("epoch %d/%d  %.0fk words/s  alpha %.5f  loss %.4f",
		p.Epoch, p.Epochs, wps/1e3, p.Alpha, p.Loss))
}

func (b *trainBar) glove(p glove.Progress) {
	if !b.enabled() {
		return
	}
	switch p.Stage {
	case "vocab", "cooccur":
		b.set(p.Stage, -1, p.Done, fmt.Sprintf("%s %.2fM tokens", p.Stage, float64(p.Done)/1e6))
	default:
		b.set("train", p.Total, p.Done, fmt.Sprintf("iteration %d/%d  cost %.4f", p.Iteration, p.Iterations, p.Cost))
	}
}

func (b *trainBar) finish() {
	if b.bar != nil {
		_ = b.bar.Finish()
	}
}
