// Package infer runs trained models on inputs and returns the result
// records that the command line prints with --json and that the HTTP
// server (package serve) answers with, so the two cannot drift: Load reads
// any checkpoint directory or vector file and returns a typed model (LM,
// CondLM, Classifier, Tagger, Translator or Vectors) whose methods take
// inputs and return those records.
//
// Every model returned by Load is safe for concurrent use: the underlying
// task models keep working memory between calls, so each wrapper either
// serialises calls with a mutex (documented per type; a call waiting for
// it returns its context's error once the context ends) or, for vectors,
// only reads shared data.
package infer

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/recurrent-go/recurrent/checkpoint"
	"github.com/recurrent-go/recurrent/classify"
	"github.com/recurrent-go/recurrent/lm"
	"github.com/recurrent-go/recurrent/seq2seq"
	"github.com/recurrent-go/recurrent/tag"
	"github.com/recurrent-go/recurrent/vectors"
)

// Kind names what a model does, as GET /v1/models reports it.
type Kind string

// The kinds of model Load recognises.
const (
	KindLM          Kind = "lm"             // lm train, lm import
	KindConditional Kind = "lm-conditional" // lm train-labels
	KindClassify    Kind = "classify"       // classify train
	KindTag         Kind = "tag"            // tag train
	KindTranslate   Kind = "translate"      // translate train
	KindVectors     Kind = "vectors"        // word2vec text/binary, GloVe text
)

// kindNames name each kind with the command that writes it.
var kindNames = map[Kind]string{
	KindLM:          "a language model (lm train, lm import)",
	KindConditional: "a conditional language model (lm train-labels)",
	KindClassify:    "a classifier (classify train)",
	KindTag:         "a tagger (tag train)",
	KindTranslate:   "a translation model (translate train)",
	KindVectors:     "a vector file",
}

// Describe names the kind with the command that writes it, as in "a
// classifier (classify train)".
func (k Kind) Describe() string {
	if d, ok := kindNames[k]; ok {
		return d
	}
	return fmt.Sprintf("a model of kind %q", string(k))
}

// CheckKind returns an error naming both kinds when the model at path is
// of another kind than want (DetectKind), whose loader would fail on the
// other kind's configuration with "config.json: json: unknown field".
// A path whose kind cannot be told, or a file (a vector file's kind to
// DetectKind), passes: its loader names what is missing or wrong.
func CheckKind(path string, want Kind) error {
	got, err := DetectKind(path)
	if err != nil || got == want || got == KindVectors {
		return nil
	}
	return fmt.Errorf("%s is %s, not %s", path, got.Describe(), want.Describe())
}

// Model is a loaded model of any kind: *LM, *CondLM, *Classifier, *Tagger,
// *Translator or *Vectors.
type Model interface {
	// Kind says which of the types above the model is.
	Kind() Kind
	// Config returns the model's configuration (JSON-encodable; for
	// vectors the vocabulary size and dimension).
	Config() any
}

// task is what every wrapper of a trained model (LM, CondLM, Classifier,
// Tagger, Translator) holds: the model M, the lock that runs the calls
// sharing its working memory one at a time, and its Kind and Config.
type task[M any] struct {
	// M is the model; it must not be modified after the wrapper is made
	// (NewLM, NewClassifier, ...).
	M      M
	mu     modelLock
	kind   Kind
	config any
}

// newTask wraps m, of the given kind, whose configuration is config.
func newTask[M any](m M, kind Kind, config any) task[M] {
	return task[M]{M: m, kind: kind, config: config}
}

// Kind returns the model's kind: KindLM for an LM, KindClassify for a
// Classifier, and so on.
func (t *task[M]) Kind() Kind { return t.kind }

// Config returns the model's configuration: lm.Config for an LM,
// lm.CondConfig for a CondLM, classify.Config for a Classifier, tag.Config
// for a Tagger, seq2seq.Config for a Translator.
func (t *task[M]) Config() any { return t.config }

// ErrInput marks errors caused by the caller's input (an unknown word, an
// empty text, an option out of range) rather than by the model: a server
// answers them with 400.
var ErrInput = errors.New("invalid input")

// inputErr returns an error wrapping ErrInput.
func inputErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInput, fmt.Sprintf(format, args...))
}

// DetectKind returns the kind of model at path without loading its
// weights: a regular file is a vector file (or DIR/model.safetensors of a
// language model, as lm sample accepts it); a directory is a checkpoint
// whose files and config.json say which trainer wrote it (or the sibling
// checkpoint.Load reads after an interrupted save).
func DetectKind(path string) (Kind, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		// A Save interrupted mid-swap left the checkpoint beside path,
		// where the loaders find it (checkpoint.Load).
		if ck, lerr := checkpoint.Load(path); lerr == nil {
			path = ck.Dir
			fi, err = os.Stat(path)
		}
	}
	if err != nil {
		return "", fmt.Errorf("infer: %w", err)
	}
	if !fi.IsDir() {
		if b := filepath.Base(path); b == checkpoint.ModelFile || b == "best.safetensors" {
			return DetectKind(filepath.Dir(path))
		}
		return KindVectors, nil
	}
	has := func(name string) bool {
		_, err := os.Stat(filepath.Join(path, name))
		return err == nil
	}
	if !has(checkpoint.ConfigFile) {
		return "", fmt.Errorf("infer: %s is neither a vector file nor a checkpoint directory (no %s)", path, checkpoint.ConfigFile)
	}
	switch {
	case has(classify.LabelsFile):
		return KindClassify, nil
	case has(seq2seq.SourceVocabFile):
		return KindTranslate, nil
	case has(tag.CharsFile):
		return KindTag, nil
	}
	b, err := os.ReadFile(filepath.Join(path, checkpoint.ConfigFile))
	if err != nil {
		return "", fmt.Errorf("infer: %w", err)
	}
	var probe struct {
		Kind  string `json:"kind"`
		Model struct {
			Tags []string `json:"tags"`
		} `json:"model"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return "", fmt.Errorf("infer: %s: %w", filepath.Join(path, checkpoint.ConfigFile), err)
	}
	switch {
	case probe.Kind == lm.CondKind:
		return KindConditional, nil
	case len(probe.Model.Tags) > 0:
		return KindTag, nil
	}
	return KindLM, nil
}

// Load reads the model at path (see DetectKind) ready for inference.
func Load(path string) (Model, error) {
	if b := filepath.Base(path); b == checkpoint.ModelFile || b == "best.safetensors" {
		if fi, err := os.Stat(path); err == nil && !fi.IsDir() {
			path = filepath.Dir(path) // DIR/model.safetensors: the directory's model
		}
	}
	kind, err := DetectKind(path)
	if err != nil {
		return nil, err
	}
	switch kind {
	case KindLM:
		m, err := lm.Load(path)
		if err != nil {
			return nil, err
		}
		return NewLM(m)
	case KindConditional:
		return loadAs(path, lm.LoadCond, NewCondLM)
	case KindClassify:
		return loadAs(path, classify.Load, NewClassifier)
	case KindTag:
		return loadAs(path, tag.Load, NewTagger)
	case KindTranslate:
		return loadAs(path, seq2seq.Load, NewTranslator)
	default:
		return loadAs(path, vectors.Load, NewVectors)
	}
}

// loadAs loads the model at path with load and wraps it with wrap.
func loadAs[M any, W Model](path string, load func(string) (M, error), wrap func(M) W) (Model, error) {
	m, err := load(path)
	if err != nil {
		return nil, err
	}
	return wrap(m), nil
}
