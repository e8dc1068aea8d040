package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"time"

	"github.com/spf13/cobra"

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
	shareNeg bool
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
	fl.StringVar(&f.out, "out", "", `output vector file (.gz to compress; "-" standard output, the summary then goes to standard error)`)
	fl.IntVar(&f.dim, "dim", 100, "vector size")
	fl.IntVar(&f.window, "window", 5, "context window (glove: 10 is usual)")
	fl.IntVar(&f.negative, "negative", 5, "negative samples (0 disables)")
	fl.BoolVar(&f.shareNeg, "share-negatives", false, "skip-gram: one set of negative samples per centre word, shared by its window (faster, Ji et al. 2016)")
	fl.BoolVar(&f.hs, "hs", false, "hierarchical softmax")
	fl.IntVar(&f.minCount, "min-count", 5, "discard words rarer than this")
	fl.Float64Var(&f.sample, "sample", 1e-3, "subsampling threshold for frequent words (0 disables)")
	fl.IntVar(&f.epochs, "epochs", 5, "passes over the corpus (glove: iterations)")
	fl.Float64Var(&f.alpha, "alpha", 0, "initial learning rate (default 0.05; word2vec.c uses 0.025 for skipgram)")
	fl.Uint64Var(&f.seed, "seed", 1, "random seed")
	fl.StringVar(&f.format, "out-format", "auto", "output format: word2vec (text), word2vec-bin or glove (auto: from the --out name: .bin binary, 'glove' in the name GloVe, else word2vec text)")
	fl.BoolVar(&f.json, "json", false, "print a JSON summary instead of text")
	fl.BoolVar(&f.quiet, "quiet", false, "no progress on standard error")
	fl.Float64Var(&f.xMax, "x-max", 100, "glove: co-occurrence weighting cutoff")
	fl.Int64Var(&f.memory, "memory", 1<<30, "glove: co-occurrence counting memory budget in bytes")
	fl.StringVar(&f.cpuProf, "cpuprofile", "", "write a CPU profile to this file")
	_ = fl.MarkHidden("cpuprofile")
	_ = cmd.MarkFlagRequired("corpus")
	_ = cmd.MarkFlagRequired("out")
	deprecatedAliases(cmd, map[string]string{"format": "out-format"})
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
	format, err := (&vecOutput{f.out, f.format}).resolve()
	if err != nil {
		return fmt.Errorf("--out-format: %w", err)
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
	bar := newProgress(cmd.ErrOrStderr(), f.json || f.quiet)
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
		m, err := glove.Train(ctx, corpus, opt, func(p glove.Progress) { gloveProgress(bar, p) })
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
		opt := word2vec.Options{Method: method, Dim: f.dim, Window: f.window, Negative: f.negative, ShareNegatives: f.shareNeg, HS: f.hs,
			MinCount: f.minCount, Sample: f.sample, Epochs: f.epochs, Alpha: f.alpha, Threads: threads, Seed: f.seed}
		if f.sample == 0 {
			opt.Sample = 0
		}
		m, err := word2vec.Train(ctx, corpus, opt, func(p word2vec.Progress) { word2vecProgress(bar, p) })
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
	if err := stdio(cmd).WriteFile(f.out, func(w io.Writer) error { return vectors.Write(w, vecs, format) }); err != nil {
		return err
	}
	out := reportTo(cmd, f.out)
	if f.json {
		return json.NewEncoder(out).Encode(sum)
	}
	fmt.Fprintf(out, "%s: %d words, vocabulary %d, %.1fs (%.0f words/s), loss %.4f -> %s\n",
		sum.Method, sum.Words, sum.VocabSize, sum.Seconds, sum.WordsPerSec, sum.Loss, sum.Out)
	return nil
}

// word2vecProgress shows word2vec's progress events.
func word2vecProgress(bar *progress, p word2vec.Progress) {
	if p.Stage == "vocab" {
		bar.update("vocab", p.Words, -1, fmt.Sprintf("counting words %.2fM", float64(p.Words)/1e6))
		return
	}
	wps := float64(p.Words) / max(p.Elapsed.Seconds(), 1e-9)
	bar.update("train", p.Words, p.TotalWords, fmt.Sprintf("epoch %d/%d  %.0fk words/s  alpha %.5f  loss %.4f",
		p.Epoch, p.Epochs, wps/1e3, p.Alpha, p.Loss))
}

// gloveProgress shows GloVe's progress events.
func gloveProgress(bar *progress, p glove.Progress) {
	switch p.Stage {
	case "vocab", "cooccur":
		bar.update(p.Stage, p.Done, -1, fmt.Sprintf("%s %.2fM tokens", p.Stage, float64(p.Done)/1e6))
	default:
		bar.update("train", p.Done, p.Total, fmt.Sprintf("iteration %d/%d  cost %.4f", p.Iteration, p.Iterations, p.Cost))
	}
}
