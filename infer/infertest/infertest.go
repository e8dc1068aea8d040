// Package infertest builds a small model of every kind that infer.Load
// reads (random weights from fixed seeds, vocabularies from real text) for
// the tests of the packages that serve models. The models are tiny, so a
// test builds them in well under a second.
package infertest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/recurrent-go/recurrent/classify"
	"github.com/recurrent-go/recurrent/lm"
	"github.com/recurrent-go/recurrent/lm/tinyshakespeare"
	"github.com/recurrent-go/recurrent/seq2seq"
	"github.com/recurrent-go/recurrent/tag"
	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/vectors"
)

// Paths are the checkpoint directories and vector file Build writes.
type Paths struct {
	LM        string // character LSTM language model (tiny-shakespeare characters)
	WordLM    string // word GRU language model
	Cond      string // conditional word LM, labels negative and positive
	Classify  string // LSTM classifier, labels neg and pos
	Tag       string // BiLSTM tagger with PER/LOC/ORG tags
	Translate string // character date translator with Bahdanau attention
	Vectors   string // word2vec text vectors, 300 words of dimension 16
}

// Sentences are the word models' training text.
var Sentences = []string{
	"the soup was lovely and the bread was warm",
	"a dull and tired plot with no end",
	"marta went to paris with john in may",
	"the river runs past the old mill in the town",
	"what a fine and happy day it was",
	"nobody liked the cold grey room",
}

// Build writes every model into dir.
func Build(dir string) (Paths, error) {
	p := Paths{
		LM: filepath.Join(dir, "lm"), WordLM: filepath.Join(dir, "wordlm"), Cond: filepath.Join(dir, "cond"),
		Classify: filepath.Join(dir, "classify"), Tag: filepath.Join(dir, "tag"),
		Translate: filepath.Join(dir, "translate"), Vectors: filepath.Join(dir, "vectors.txt"),
	}
	for _, f := range []func(Paths) error{buildLM, buildWordLM, buildCond, buildClassify, buildTag, buildTranslate, buildVectors} {
		if err := f(p); err != nil {
			return p, err
		}
	}
	return p, nil
}

func buildLM(p Paths) error {
	tok := text.Tokenizer{Mode: text.Chars, EOS: "\n"}
	v, err := vocabOf(tok, strings.Split(tinyshakespeare.Text, "\n"), []string{})
	if err != nil {
		return err
	}
	return saveLM(p.LM, lm.Config{Arch: lm.Arch{Cell: "lstm", EmbedDim: 16, Hidden: 24, Layers: 2}, Tokenizer: tok}, v, 7)
}

// saveLM writes a language model of configuration c over v (VocabSize
// set from v, weights from seed) to dir.
func saveLM(dir string, c lm.Config, v *text.Vocab, seed uint64) error {
	c.VocabSize = v.Len()
	m, err := lm.New(c, v, seed)
	if err != nil {
		return err
	}
	return m.Save(dir)
}

// vocabOf builds the vocabulary of lines split by tok, specials first.
func vocabOf(tok text.Tokenizer, lines, specials []string) (*text.Vocab, error) {
	c := text.NewCounter()
	for _, s := range lines {
		c.Add(tok.Tokenize(s))
	}
	return text.BuildVocab(c, text.VocabOptions{Specials: specials})
}

// wordVocab is the vocabulary of Sentences in words, with <unk> and <eos>.
func wordVocab() (*text.Vocab, text.Tokenizer, error) {
	tok := text.Tokenizer{Mode: text.Words, EOS: text.EOS}
	v, err := vocabOf(tok, Sentences, []string{text.UNK, text.EOS})
	return v, tok, err
}

func buildWordLM(p Paths) error {
	v, tok, err := wordVocab()
	if err != nil {
		return err
	}
	return saveLM(p.WordLM, lm.Config{Arch: lm.Arch{Cell: "gru", EmbedDim: 12, Hidden: 16, Layers: 1}, Tokenizer: tok}, v, 8)
}

func buildCond(p Paths) error {
	v, tok, err := wordVocab()
	if err != nil {
		return err
	}
	tok.EOS = ""
	m, err := lm.NewCond(lm.CondConfig{Arch: lm.Arch{Cell: "lstm", VocabSize: v.Len(), EmbedDim: 12, Hidden: 16, Layers: 1},
		Labels: []string{"negative", "positive"}, Condition: lm.CondInit, Tokenizer: tok}, v, 9)
	if err != nil {
		return err
	}
	return m.Save(p.Cond)
}

func buildClassify(p Paths) error {
	ex := make([]classify.Example, len(Sentences))
	for i, s := range Sentences {
		ex[i] = classify.Example{Text: s, Label: []string{"pos", "neg"}[i%2], Line: i + 1}
	}
	cfg := classify.Config{Arch: classify.ArchRNN, Embed: 8, Cell: "lstm", Hidden: 8, Layers: 1, Bidirectional: true,
		Pool: classify.PoolMean, Tokenizer: text.Tokenizer{Mode: text.Words, Lower: true}}
	v, err := classify.BuildVocab(ex, cfg.Tokenizer, classify.VocabOptions{})
	if err != nil {
		return err
	}
	labels := classify.LabelMapOf(ex, classify.Sorted).Names
	cfg.VocabSize, cfg.Classes = v.Len(), len(labels)
	m, err := classify.New(cfg, v, labels, 10)
	if err != nil {
		return err
	}
	return m.Save(p.Classify)
}

func buildTag(p Paths) error {
	tags := [][]string{
		{"O", "O", "O", "O", "O", "O", "O", "O", "O"},
		{"O", "O", "O", "O", "O", "O", "O", "O"},
		{"B-PER", "O", "O", "B-LOC", "O", "B-PER", "O", "B-ORG"},
	}
	var sents []tag.Sentence
	for i, s := range Sentences[:3] {
		toks := strings.Fields(s)
		sents = append(sents, tag.Sentence{Tokens: toks, Tags: tags[i][:len(toks)], Line: i + 1})
	}
	cfg := tag.Config{WordEmbed: 8, CharEmbed: 6, CharHidden: 5, Cell: "lstm", Hidden: 10, Layers: 1,
		Lower: true, NormDigits: true, Tags: tag.TagSet(sents, tag.IOBES), TrainScheme: "iobes", Scheme: "iob2"}
	words, chars, err := tag.BuildVocabs(sents, &cfg, tag.VocabOptions{})
	if err != nil {
		return err
	}
	cfg.VocabSize, cfg.CharVocab = words.Len(), chars.Len()
	m, err := tag.New(cfg, words, chars, 11)
	if err != nil {
		return err
	}
	return m.Save(p.Tag)
}

func buildTranslate(p Paths) error {
	d, err := seq2seq.GenerateDates(context.Background(), seq2seq.DateOptions{N: 300, Seed: 1})
	if err != nil {
		return err
	}
	src, tgt, err := seq2seq.BuildVocabs(d.Train, "char")
	if err != nil {
		return err
	}
	m, err := seq2seq.New(seq2seq.Config{Embed: 8, Hidden: 8}, src, tgt, 12)
	if err != nil {
		return err
	}
	return m.Save(p.Translate)
}

// VectorWords are the first words of the vector file Build writes.
var VectorWords = []string{"king", "queen", "man", "woman", "paris", "france", "rome", "italy", "apple", "pear"}

func buildVectors(p Paths) error {
	const n, dim = 300, 16
	r := rand.New(rand.NewPCG(13, 14))
	v := &vectors.Vectors{Dim: dim, Data: make([]float32, n*dim)}
	for i := range n {
		w := fmt.Sprintf("w%03d", i)
		if i < len(VectorWords) {
			w = VectorWords[i]
		}
		v.Words = append(v.Words, w)
	}
	for i := range v.Data {
		v.Data[i] = float32(r.NormFloat64())
	}
	// king - man + woman = queen, up to a little noise.
	row := func(i int) []float32 { return v.Data[i*dim : (i+1)*dim] }
	for j := range dim {
		row(1)[j] = row(0)[j] - row(2)[j] + row(3)[j] + 0.05*float32(r.NormFloat64())
		row(6)[j] = row(4)[j] - row(5)[j] + row(7)[j] + 0.05*float32(r.NormFloat64())
	}
	if err := os.MkdirAll(filepath.Dir(p.Vectors), 0o755); err != nil {
		return err
	}
	return vectors.Save(p.Vectors, v, vectors.Word2VecText)
}
