package main

import (
	"errors"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/recurrent-go/recurrent/bench"
	"github.com/recurrent-go/recurrent/internal/cli"
	"github.com/recurrent-go/recurrent/lm"
	"github.com/recurrent-go/recurrent/tensor"
	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/vectors"
	"github.com/recurrent-go/recurrent/vectors/trainer"
)

// vecTrainFlags are the flags of vectors train: the trainer's options and
// the command's own.
type vecTrainFlags struct {
	opt           trainer.Options
	out           vecOutput
	cpuProf       string
	asJSON, quiet bool
}

func newVecTrainCmd() *cobra.Command {
	var f vecTrainFlags
	cmd := &cobra.Command{
		Use:   "train --corpus FILE... --out FILE",
		Short: "Train word vectors (skip-gram, CBOW or GloVe) on a whitespace-tokenized corpus",
		RunE:  func(cmd *cobra.Command, _ []string) error { return f.run(cmd) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.opt.Method, "method", "skipgram", "skipgram, cbow or glove")
	fl.StringSliceVar(&f.opt.Corpus, "corpus", nil, `corpus files, plain or .gz (repeat or comma-separate; "-" standard input)`)
	fl.IntVar(&f.opt.Dim, "dim", 100, "vector size")
	fl.IntVar(&f.opt.Window, "window", 5, "context window (glove: 10 is usual)")
	fl.IntVar(&f.opt.Negative, "negative", 5, "negative samples (0 disables)")
	fl.BoolVar(&f.opt.ShareNegatives, "share-negatives", false, "share negative samples (skipgram: over a window; cbow: over 8 centre words) and train in small matrix products (HogBatch, Ji et al. 2016); default on for skipgram, off for cbow; --share-negatives=false trains one word pair at a time, as word2vec.c")
	fl.BoolVar(&f.opt.HS, "hs", false, "hierarchical softmax")
	fl.IntVar(&f.opt.MinCount, "min-count", 5, "discard words rarer than this (at least 1; 1 keeps every word)")
	fl.Float64Var(&f.opt.Sample, "sample", 1e-3, "subsampling threshold for frequent words (0 disables)")
	fl.IntVar(&f.opt.Epochs, "epochs", 5, "passes over the corpus (glove: iterations)")
	fl.Float64Var(&f.opt.Alpha, "alpha", 0, "initial learning rate (default 0.05; word2vec.c uses 0.025 for skipgram)")
	fl.Uint64Var(&f.opt.Seed, "seed", 1, "random seed")
	fl.BoolVar(&f.asJSON, "json", false, "print a JSON summary instead of text")
	fl.BoolVar(&f.quiet, "quiet", false, "no progress on standard error")
	fl.Float64Var(&f.opt.XMax, "x-max", 100, "glove: co-occurrence weighting cutoff")
	fl.Int64Var(&f.opt.MemoryBytes, "memory", 1<<30, "glove: co-occurrence counting memory budget in bytes")
	fl.StringVar(&f.cpuProf, "cpuprofile", "", "write a CPU profile to this file")
	fl.StringVar(&f.opt.Vocab, "vocab", "", "vocabulary file (recurrent vectors vocab, or recurrent-beam vocab) instead of counting one; --min-count is then unused")
	fl.StringSliceVar(&f.opt.Cooccur, "cooccur", nil, "glove: train from co-occurrence shards (a directory of *.cooc files from recurrent-beam cooccur, or files) counted with --vocab, instead of --corpus")
	_ = fl.MarkHidden("cpuprofile")
	f.out.register(cmd)
	deprecatedAliases(cmd, map[string]string{"format": "out-format"})
	cli.MarkPositive(cmd, "dim", "window", "epochs", "min-count", "alpha", "x-max", "memory") // the trainer's 0 is its default
	return cmd
}

// run checks the flags, trains with the progress on standard error, writes
// the vectors and prints the summary.
func (f *vecTrainFlags) run(cmd *cobra.Command) error {
	format, err := vectors.CheckOutput(f.out.path, f.out.format)
	if err != nil {
		return err
	}
	opt := f.opt
	if !cmd.Flags().Changed("share-negatives") {
		opt.ShareNegatives = trainer.DefaultShareNegatives(opt.Method)
	}
	if len(opt.Cooccur) == 0 && len(opt.Corpus) == 0 {
		return errors.New(`required flag "corpus" not set`)
	}
	stop, err := bench.StartCPUProfile(f.cpuProf)
	if err != nil {
		return err
	}
	defer stop()
	if opt.Method == "glove" {
		// The co-occurrence buffers (up to --memory) die while the training
		// entries grow; a low GC target keeps that garbage from doubling the
		// peak RSS. The heap holds few pointers, so collections are cheap.
		defer debug.SetGCPercent(debug.SetGCPercent(20))
	}
	opt.Threads, opt.Stdin = tensor.Threads(), cmd.InOrStdin()
	bar := newProgress(cmd.ErrOrStderr(), f.asJSON || f.quiet)
	v, sum, err := trainer.Train(cmd.Context(), opt, func(p trainer.Progress) { bar.update(p.Stage, p.Done, p.Total, p.String()) })
	bar.finish()
	if err != nil {
		return err
	}
	if err := f.out.save(cmd, v, format); err != nil {
		return err
	}
	sum.Out = f.out.path
	return writeReport(reportTo(cmd, f.out.path), sum, f.asJSON, true)
}

func newVecVocabCmd() *cobra.Command {
	var tok lm.TokenizerOptions
	var opt text.VocabOptions
	var corpus []string
	var out, specials string
	cmd := newReportCmd(&cobra.Command{
		Use:   "vocab --corpus FILE... --out FILE",
		Short: "Count a corpus into a vocabulary file (what recurrent-beam vocab computes on a cluster)",
	}, "print a JSON summary", true, func(cmd *cobra.Command, _ []string) (textWriter, error) {
		tok.NameSet = cmd.Flags().Changed("tokenizer")
		t, err := tok.Tokenizer()
		if err != nil {
			return nil, err
		}
		if opt.Specials = []string{}; specials != "" {
			opt.Specials = strings.Split(specials, ",")
		}
		return stdio(cmd).CountToFile(&t, corpus, opt, out)
	})
	fl := cmd.Flags()
	fl.StringSliceVar(&corpus, "corpus", nil, "text files, plain or .gz (repeat or comma-separate)")
	fl.StringVar(&out, "out", "", `vocabulary file to write ("-": standard output, the report then goes to standard error)`)
	addTokenizerFlags(fl, &tok, "whitespace", "char, word or whitespace", "")
	fl.StringVar(&specials, "specials", "", "comma-separated special tokens placed first (default none)")
	fl.Int64Var(&opt.MinCount, "min-count", 5, "drop tokens seen fewer times")
	fl.IntVar(&opt.MaxSize, "max-vocab", 0, "cap the vocabulary size, specials included (0: no cap)")
	cli.MarkRequired(cmd, "corpus", "out")
	return cmd
}
