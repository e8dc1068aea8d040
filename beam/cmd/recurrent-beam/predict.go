package main

import (
	"flag"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/recurrent-go/recurrent/beam/pipelines"
)

func predictFlags() func(beam.Scope) error {
	var opt pipelines.PredictOptions
	flag.StringVar(&opt.Input, "input", "", "comma-separated Beam file patterns of text files, one text per line, plain or .gz (required)")
	flag.StringVar(&opt.Output, "output", "", "directory of the JSON Lines outputs, NAME.jsonl per input file (required)")
	flag.StringVar(&opt.Task, "task", "", "classify, tag, score (a language model) or embed (a vector file) (required)")
	flag.StringVar(&opt.Model, "model", "", "checkpoint directory or vector file, readable by every worker (required)")
	flag.IntVar(&opt.Batch, "batch", 0, "lines per model call (0: a whole input file, as the CLI on that file)")
	flag.BoolVar(&opt.PerWord, "per_word", false, "embed: each word's vector instead of the line's mean")
	return func(s beam.Scope) error {
		if err := required("input", "output", "task", "model"); err != nil {
			return err
		}
		return pipelines.Predict(s, opt)
	}
}
