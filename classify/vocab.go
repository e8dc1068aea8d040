package classify

import (
	"fmt"
	"math/rand/v2"
	"unicode/utf8"

	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/vectors"
)

// Data is a set of encoded examples: token ids and label ids.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type Data struct {
	IDs    [][]int32
	Labels []int
}

// Len returns the number of examples.
func (d *Data) Len() int { return len(d.IDs) }

// EncodeExamples tokenizes the examples with the model's tokenizer and
// vocabulary and maps their labels; an unknown label is an error naming the
// file (name) and line.
func (m *Model) EncodeExamples(ex []Example, name string) (*Data, error) {
	lm := NewLabelMap(m.Labels, FirstSeen)
	labels, err := lm.IDs(ex, name)
	if err != nil {
		return nil, err
	}
	d := &Data{IDs: make([][]int32, len(ex)), Labels: labels}
	for i, e := range ex {
		d.IDs[i] = m.Encode(e.Text)
	}
	return d, nil
}

// VocabOptions says how BuildVocab builds a classifier's vocabulary.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type VocabOptions struct {
	// MinCount drops training words seen fewer times (0 or 1 keeps all).
	MinCount int64
	// Vectors, when not nil, adds every word of the vector file after the
	// training words, so that words unseen in training but known to the
	// vectors keep their pretrained embedding at test time.
	Vectors *vectors.Vectors
}

// BuildVocab builds a vocabulary from the training texts: <pad> (id 0),
// <unk> (id 1), then the words by descending count, then (optionally) the
// remaining words of a vector file (those that are valid UTF-8).
func BuildVocab(ex []Example, tok text.Tokenizer, opt VocabOptions) (*text.Vocab, error) {
	c := text.NewCounter()
	var buf []string
	for _, e := range ex {
		buf = tok.Append(buf[:0], e.Text)
		c.Add(buf)
	}
	v, err := text.BuildVocab(c, text.VocabOptions{Specials: []string{text.PAD, text.UNK}, MinCount: opt.MinCount})
	if err != nil {
		return nil, fmt.Errorf("classify: vocabulary: %w", err)
	}
	if opt.Vectors == nil {
		return v, nil
	}
	toks := v.Tokens()
	counts := v.Counts()
	for _, w := range opt.Vectors.Words {
		if !utf8.ValidString(w) {
			continue // no input text matches it, and vocab.json cannot hold it
		}
		if _, ok := v.Lookup(w); !ok {
			toks = append(toks, w)
			counts = append(counts, 0)
		}
	}
	v, err = text.NewVocab(toks, counts, []string{text.PAD, text.UNK})
	if err != nil {
		return nil, fmt.Errorf("classify: vocabulary: %w", err)
	}
	return v, nil
}

// LoadVectors initialises the embedding from a vector file (see
// vectors.EmbeddingMatrix: exact, then lower-cased lookup; the other rows
// random with the vectors' spread; the padding row zero) and returns the
// number of vocabulary words found, specials excluded.
func (m *Model) LoadVectors(v *vectors.Vectors, seed uint64) int {
	words := m.Vocab.Tokens()
	data, found := vectors.EmbeddingMatrix(words, v, m.Config.Embed, rand.New(rand.NewPCG(seed, 0x766563)))
	copy(m.Embedding.Weight.Data, data)
	for _, s := range m.Vocab.Specials() {
		if id, ok := m.Vocab.Lookup(s); ok {
			row := m.Embedding.Weight.Data[int(id)*m.Config.Embed : (int(id)+1)*m.Config.Embed]
			if _, inV := indexOf(v.Words, s); inV {
				found--
			}
			if id == padID {
				clear(row)
			}
		}
	}
	return found
}

func indexOf(words []string, w string) (int, bool) {
	for i, x := range words {
		if x == w {
			return i, true
		}
	}
	return -1, false
}

// InitVectors initialises the embedding from vec (LoadVectors); with
// backoff it then composes vectors for the vocabulary words vec lacks
// from their parts (BackoffVectors). It returns the coverage of the
// vocabulary and of the training words of train (tokenized by the model,
// minCount as for BuildVocab; looked up as LoadVectors does) and the
// number of words composed.
func (m *Model) InitVectors(vec *vectors.Vectors, train []Example, minCount int64, backoff bool, seed uint64) (vectors.Coverage, int, error) {
	found := m.LoadVectors(vec, seed)
	composed := 0
	if backoff {
		composed = m.BackoffVectors(vec)
	}
	tv, err := BuildVocab(train, m.Config.Tokenizer, VocabOptions{MinCount: minCount})
	if err != nil {
		return vectors.Coverage{}, 0, err
	}
	idx := vectors.NewIndex(vec).IgnoreCase()
	has := func(w string) bool { _, ok := idx.Lookup(w); return ok }
	return vectors.CoverageOf(m.Vocab, found, tv, has), composed, nil
}

// Build makes a classifier for the training examples ex: cfg with the
// vocabulary BuildVocab makes with opt (with opt.Vectors the embedding
// takes its dimension), the labels of ex sorted, binary (nil: a sigmoid
// output exactly when there are two labels) and the weights drawn from
// seed (New).
func Build(ex []Example, cfg Config, opt VocabOptions, binary *bool, seed uint64) (*Model, error) {
	if opt.Vectors != nil {
		cfg.Embed = opt.Vectors.Dim
	}
	v, err := BuildVocab(ex, cfg.Tokenizer, opt)
	if err != nil {
		return nil, err
	}
	labels := LabelMapOf(ex, Sorted).Names
	cfg.VocabSize, cfg.Classes = v.Len(), len(labels)
	cfg.Binary = len(labels) == 2
	if binary != nil {
		cfg.Binary = *binary
	}
	return New(cfg, v, labels, seed)
}
