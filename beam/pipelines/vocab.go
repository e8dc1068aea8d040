package pipelines

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"reflect"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/fileio"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/recurrent-go/recurrent/text"
)

// VocabOptions configures the vocabulary pipeline: the core's tokenizer
// and vocabulary options, exactly as `recurrent vectors vocab` takes them.
type VocabOptions struct {
	Input     string // comma-separated file patterns, plain or .gz
	Output    string // the vocabulary file
	Tokenizer text.Tokenizer
	Vocab     text.VocabOptions
}

// Vocab adds the vocabulary pipeline to s: every input file is counted by
// one worker with the core's tokenizer (text.CountReader), the counts are
// summed per token across files, and one worker builds the vocabulary
// (text.BuildVocab, whose order does not depend on the reading order) and
// writes it (text.Vocab.WriteTo), so the file is byte-identical to the
// single-machine count (text.CountFiles + text.SaveVocab). An --input
// without a file pattern, and vocabulary options BuildVocab refuses, are
// errors here, before any counting.
func Vocab(s beam.Scope, opt VocabOptions) error {
	// The options, checked on no tokens now rather than after counting.
	if _, err := text.BuildVocab(text.NewCounter(), opt.Vocab); err != nil {
		return err
	}
	s = s.Scope("vocab")
	files, err := readFiles(s, opt.Input)
	if err != nil {
		return err
	}
	counts := beam.ParDo(s, &countTokensFn{Tokenizer: opt.Tokenizer}, files)
	summed := beam.CombinePerKey(s, sumInt64, counts)
	keyed := beam.ParDo(s, toOneKey, summed)
	grouped := beam.GroupByKey(s, keyed)
	beam.ParDo0(s, &writeVocabFn{Output: opt.Output, Options: opt.Vocab}, grouped)
	return nil
}

// TokenCount is one token's count.
type TokenCount struct {
	Token string
	Count int64
}

func init() {
	beam.RegisterType(reflect.TypeOf((*TokenCount)(nil)).Elem())
	register.DoFn3x1[context.Context, fileio.ReadableFile, func(string, int64), error](&countTokensFn{})
	register.Emitter2[string, int64]()
	register.Function2x1(sumInt64)
	register.Function2x2(toOneKey)
	register.DoFn3x1[context.Context, int, func(*TokenCount) bool, error](&writeVocabFn{})
	register.Iter1[TokenCount]()
}

// countTokensFn counts the tokens of one file and emits (token, count).
type countTokensFn struct {
	Tokenizer text.Tokenizer
}

func (fn *countTokensFn) ProcessElement(ctx context.Context, f fileio.ReadableFile, emit func(string, int64)) error {
	r, err := f.Open(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", f.Metadata.Path, err)
	}
	defer r.Close()
	c := text.NewCounter()
	if err := text.CountReader(c, &fn.Tokenizer, r, f.Metadata.Path); err != nil {
		return err
	}
	c.Each(emit)
	return nil
}

func sumInt64(a, b int64) int64 { return a + b }

func toOneKey(tok string, n int64) (int, TokenCount) { return 0, TokenCount{tok, n} }

// writeVocabFn builds the vocabulary from every token's total and writes it.
type writeVocabFn struct {
	Output  string
	Options text.VocabOptions
}

func (fn *writeVocabFn) ProcessElement(ctx context.Context, _ int, counts func(*TokenCount) bool) error {
	c := text.NewCounter()
	var tc TokenCount
	for counts(&tc) {
		c.AddN(tc.Token, tc.Count)
	}
	v, err := text.BuildVocab(c, fn.Options)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if _, err := v.WriteTo(&buf); err != nil {
		return err
	}
	return writeFile(ctx, fn.Output, func(w io.Writer) error {
		_, err := w.Write(buf.Bytes())
		return err
	})
}
