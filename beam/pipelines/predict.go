package pipelines

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/fileio"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/recurrent-go/recurrent/infer"
	"github.com/recurrent-go/recurrent/tag"
	"github.com/recurrent-go/recurrent/text"
)

// Predict tasks.
const (
	TaskClassify = "classify" // a classify checkpoint: label and probabilities per line
	TaskTag      = "tag"      // a tag checkpoint: tokens, tags and entities per line
	TaskScore    = "score"    // a language model: log-probability and token count per line
	TaskEmbed    = "embed"    // a vector file: the mean vector (or each word's) per line
)

// PredictOptions configures the batch inference pipeline.
type PredictOptions struct {
	Input  string // comma-separated file patterns, plain or .gz, one text per line
	Output string // directory of the JSON Lines files, one per input file
	Task   string // TaskClassify, TaskTag, TaskScore or TaskEmbed
	// Model is a checkpoint directory (or file) or a vector file, as
	// infer.Load reads it; every worker must be able to open it (a local
	// or shared path).
	Model string
	// Batch, if > 0, cuts each input file into chunks of Batch lines, each
	// run as one call. By default a whole file is one call, with the CLI's
	// batch size (classify 256, tag 128, score 64), as the CLI run on that
	// file does (the models order a call's lines by length before batching);
	// score runs chunks of 1024 lines as lm score does.
	Batch   int
	PerWord bool // embed: each word's vector instead of the line's mean
}

// Predict adds the batch inference pipeline to s. Each input file is read
// by one worker (text.ReadLines: UTF-8 checked, CRLF and a BOM dropped);
// every line yields one JSON record, in input order (a blank line the
// record the CLI prints for it: an empty prediction; embed skips blank
// lines), in
// Output/NAME.jsonl where NAME is the input's base name without ".gz"
// (inputs of the same NAME are an error of the run).
// The records are those of the CLI (classify predict --json, tag predict
// --json, the lines of lm score --json) built by the shared infer package.
// The model is loaded once per worker process and shared read-only by its
// bundles.
func Predict(s beam.Scope, opt PredictOptions) error {
	switch opt.Task {
	case TaskClassify, TaskTag, TaskScore, TaskEmbed:
	default:
		return fmt.Errorf("unknown task %q (want classify, tag, score or embed)", opt.Task)
	}
	s = s.Scope("predict")
	files, err := readFiles(s, opt.Input)
	if err != nil {
		return err
	}
	// Inputs are grouped by output name: two inputs of the same base name
	// (a/x.txt and b/x.txt, or x.txt and x.txt.gz) would write one file.
	byName := beam.GroupByKey(s, beam.ParDo(s, keyByOutputName, files))
	beam.ParDo0(s, &predictFn{Opt: opt}, byName)
	return nil
}

func init() {
	register.Function1x2(keyByOutputName)
	register.Iter1[fileio.ReadableFile]()
	register.DoFn3x1[context.Context, string, func(*fileio.ReadableFile) bool, error](&predictFn{})
}

func keyByOutputName(f fileio.ReadableFile) (string, fileio.ReadableFile) {
	return OutputName(f.Metadata.Path), f
}

// models caches loaded models per worker process.
var models sync.Map // path -> *modelOnce

type modelOnce struct {
	once sync.Once
	m    infer.Model
	err  error
}

func loadModel(path string) (infer.Model, error) {
	e, _ := models.LoadOrStore(path, &modelOnce{})
	o := e.(*modelOnce)
	o.once.Do(func() { o.m, o.err = infer.Load(path) })
	return o.m, o.err
}

type predictFn struct {
	Opt PredictOptions

	model infer.Model
}

func (fn *predictFn) Setup() error {
	m, err := loadModel(fn.Opt.Model)
	if err != nil {
		return err
	}
	want := map[string]infer.Kind{TaskClassify: infer.KindClassify, TaskTag: infer.KindTag, TaskScore: infer.KindLM, TaskEmbed: infer.KindVectors}[fn.Opt.Task]
	if m.Kind() != want {
		return fmt.Errorf("--task %s needs a %s model, %s is a %s model", fn.Opt.Task, want, fn.Opt.Model, m.Kind())
	}
	fn.model = m
	return nil
}

// OutputName is the name of the JSON Lines file for input path p.
func OutputName(p string) string {
	return strings.TrimSuffix(path.Base(strings.ReplaceAll(p, "\\", "/")), ".gz") + ".jsonl"
}

func (fn *predictFn) ProcessElement(ctx context.Context, out string, files func(*fileio.ReadableFile) bool) error {
	var f fileio.ReadableFile
	var paths []string
	for files(&f) {
		paths = append(paths, f.Metadata.Path)
	}
	if len(paths) > 1 {
		slices.Sort(paths)
		return fmt.Errorf("inputs %s would all be written to %s: predict names each output after its input's base name, so inputs need distinct names",
			strings.Join(paths, ", "), joinPath(fn.Opt.Output, out))
	}
	name := f.Metadata.Path
	r, err := f.Open(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	defer r.Close()
	var lines []string
	var lineNos []int
	err = text.ReadLines(r, name, func(n int, s string) error {
		// The commands answer every line (embed skips blank ones).
		if fn.Opt.Task != TaskEmbed || strings.TrimSpace(s) != "" {
			lines = append(lines, s)
			lineNos = append(lineNos, n)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return writeFile(ctx, joinPath(fn.Opt.Output, out), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		batch := fn.Opt.Batch
		if batch <= 0 && fn.Opt.Task == TaskScore {
			batch = 16 * cliBatch[TaskScore] // lm score's own chunks
		}
		if batch <= 0 {
			batch = max(len(lines), 1) // the whole file in one call
		}
		for lo := 0; lo < len(lines); lo += batch {
			hi := min(lo+batch, len(lines))
			recs, err := fn.records(ctx, lines[lo:hi])
			if err != nil {
				return fmt.Errorf("%s: lines %d-%d: %w", name, lineNos[lo], lineNos[hi-1], err)
			}
			for _, rec := range recs {
				if err := enc.Encode(rec); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// cliBatch is the batch size of the CLI's command for each task.
var cliBatch = map[string]int{TaskClassify: 256, TaskTag: 128, TaskScore: 64}

// records runs the model on lines and returns their records in order.
func (fn *predictFn) records(ctx context.Context, lines []string) ([]any, error) {
	batch := cliBatch[fn.Opt.Task]
	if fn.Opt.Batch > 0 {
		batch = fn.Opt.Batch
	}
	out := make([]any, 0, len(lines))
	switch m := fn.model.(type) {
	case *infer.Classifier:
		return aligned(lines, infer.ClassifyRecord{Probabilities: map[string]float32{}}, func(texts []string) ([]infer.ClassifyRecord, error) {
			res, err := m.Predict(ctx, texts, batch)
			if err != nil {
				return nil, err
			}
			recs := make([]infer.ClassifyRecord, len(res.Predictions))
			for k, p := range res.Predictions {
				recs[k] = p.Record()
			}
			return recs, nil
		})
	case *infer.Tagger:
		empty := infer.TaggedSentence{Tokens: []string{}, Tags: []string{}, Entities: []tag.Entity{}}
		return aligned(lines, empty, func(texts []string) ([]infer.TaggedSentence, error) {
			res, err := m.TagTexts(ctx, texts, batch)
			if err != nil {
				return nil, err
			}
			return res.Sentences, nil
		})
	case *infer.LM:
		res, err := m.ScoreLines(ctx, lines, batch, false)
		if err != nil {
			return nil, err
		}
		for _, s := range res {
			out = append(out, s)
		}
	case *infer.Vectors:
		for _, l := range lines {
			out = append(out, m.Embed(l, fn.Opt.PerWord))
		}
	}
	return out, nil
}

// aligned returns one record per line, as classify predict and tag predict
// answer every line: blank (the command's empty prediction) for a blank
// line, and for the others, in order, the records run gives for them (run
// is not called when every line is blank).
func aligned[R any](lines []string, blank R, run func(texts []string) ([]R, error)) ([]any, error) {
	out := make([]any, len(lines))
	var texts []string
	var at []int // at[k]: the line of texts[k]
	for i, l := range lines {
		out[i] = blank
		if strings.TrimSpace(l) != "" {
			texts, at = append(texts, l), append(at, i)
		}
	}
	if len(texts) == 0 {
		return out, nil
	}
	recs, err := run(texts)
	if err != nil {
		return nil, err
	}
	for k, r := range recs {
		out[at[k]] = r
	}
	return out, nil
}
