// Command recurrent-beam runs recurrent's Apache Beam pipelines (vocab,
// cooccur, predict) on Prism in-process (the default), or submits them to a
// Flink or Spark job server or to Google Cloud Dataflow.
//
//	recurrent-beam vocab   --input 'corpus/*.gz' --output vocab.json [tokenizer flags]
//	recurrent-beam cooccur --input 'corpus/*.gz' --vocab vocab.json --output cooc/ [--window 10 --shards 16]
//	recurrent-beam predict --task classify|tag|score|embed --model DIR --input 'docs/*.txt' --output out/
//
// Runner flags (Beam's own): --runner prism|flink|spark|dataflow,
// --endpoint HOST:PORT (the job server of Flink or Spark; Prism starts its
// own), --environment_type LOOPBACK|DOCKER|PROCESS, --project, --region,
// --temp_location, --staging_location (Dataflow), --parallelism (Flink).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/s3"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/x/beamx"

	"github.com/recurrent-go/recurrent/beam/pipelines"
	"github.com/recurrent-go/recurrent/text"
)

func usage() {
	fmt.Fprintf(os.Stderr, `usage: recurrent-beam vocab|cooccur|predict [flags]

Run 'recurrent-beam PIPELINE -help' for a pipeline's flags (Beam's runner
flags such as --runner, --endpoint, --project, --region, --temp_location are
listed there too).
`)
	os.Exit(2)
}

func main() {
	if len(os.Args) < 2 || strings.HasPrefix(os.Args[1], "-") {
		usage()
	}
	name := os.Args[1]
	os.Args = append(os.Args[:1], os.Args[2:]...)
	var build func(beam.Scope) error
	switch name {
	case "vocab":
		build = vocabFlags()
	case "cooccur":
		build = cooccurFlags()
	case "predict":
		build = predictFlags()
	default:
		usage()
	}
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "recurrent-beam %s: unexpected arguments %q\n", name, flag.Args())
		os.Exit(2)
	}
	beam.Init()
	p, s := beam.NewPipelineWithRoot()
	if err := build(s); err != nil {
		fmt.Fprintf(os.Stderr, "recurrent-beam %s: %v\n", name, err)
		os.Exit(2)
	}
	if err := beamx.Run(context.Background(), p); err != nil {
		fmt.Fprintf(os.Stderr, "recurrent-beam %s: %v\n", name, err)
		os.Exit(1)
	}
}

func required(names ...string) error {
	for _, n := range names {
		if flag.Lookup(n).Value.String() == "" {
			return fmt.Errorf("--%s is required", n)
		}
	}
	return nil
}

func vocabFlags() func(beam.Scope) error {
	input := flag.String("input", "", "comma-separated Beam file patterns of text files, plain or .gz (required)")
	output := flag.String("output", "", "vocabulary file to write (required)")
	tokenizer := flag.String("tokenizer", "whitespace", "char, word or whitespace")
	lower := flag.Bool("lower", false, "lowercase the text")
	splitPunct := flag.Bool("split_punct", false, "word tokenizer: keep punctuation as separate tokens")
	bos := flag.String("bos", "", "beginning-of-line token (default none)")
	eos := flag.String("eos", "", "end-of-line token (default none)")
	specials := flag.String("specials", "", "comma-separated special tokens placed first (default none)")
	minCount := flag.Int64("min_count", 5, "drop tokens seen fewer times")
	maxVocab := flag.Int("max_vocab", 0, "cap the vocabulary size, specials included (0: no cap)")
	return func(s beam.Scope) error {
		if err := required("input", "output"); err != nil {
			return err
		}
		mode, err := text.ParseMode(*tokenizer)
		if err != nil {
			return err
		}
		opt := pipelines.VocabOptions{Input: *input, Output: *output,
			Tokenizer: text.Tokenizer{Mode: mode, Lower: *lower, SplitPunct: *splitPunct, BOS: *bos, EOS: *eos},
			Vocab:     text.VocabOptions{Specials: []string{}, MinCount: *minCount, MaxSize: *maxVocab}}
		if *specials != "" {
			opt.Vocab.Specials = strings.Split(*specials, ",")
		}
		return pipelines.Vocab(s, opt)
	}
}

func cooccurFlags() func(beam.Scope) error {
	var opt pipelines.CooccurOptions
	flag.StringVar(&opt.Input, "input", "", "comma-separated Beam file patterns of text files, plain or .gz (required)")
	flag.StringVar(&opt.Vocab, "vocab", "", "vocabulary file from 'recurrent-beam vocab' or 'recurrent vectors vocab' (required)")
	flag.StringVar(&opt.Output, "output", "", "directory of the co-occurrence shards (required)")
	flag.IntVar(&opt.Window, "window", 10, "symmetric window")
	flag.IntVar(&opt.Shards, "shards", 16, "number of output shards")
	flag.Int64Var(&opt.MemoryBytes, "memory", 256<<20, "counting memory per input file in bytes (sorted runs spill to disk beyond)")
	return func(s beam.Scope) error {
		if err := required("input", "vocab", "output"); err != nil {
			return err
		}
		if opt.Shards < 1 || opt.Window < 1 {
			return fmt.Errorf("--shards %d and --window %d must be positive", opt.Shards, opt.Window)
		}
		return pipelines.Cooccur(s, opt)
	}
}
