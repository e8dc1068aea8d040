package tag

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"unicode/utf8"

	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/vectors"
)

// Data is a set of encoded sentences.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type Data struct {
	// Words[i] holds the word ids of sentence i, Chars[i][j] the character
	// ids of its token j, Tags[i] its tag ids (in the training scheme; nil
	// for unlabelled data).
	Words [][]int32
	Chars [][][]int32
	Tags  [][]int32
}

// Len returns the number of sentences.
func (d *Data) Len() int { return len(d.Words) }

// VocabOptions says how BuildVocabs builds a tagger's vocabularies.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type VocabOptions struct {
	// MinCount drops training words seen fewer times (0 or 1 keeps all).
	MinCount int64
	// Vectors, when not nil, adds every word of the vector file (as
	// normalised by Config.WordKey) after the training words.
	Vectors *vectors.Vectors
	// Extra lists more sentences (e.g. dev and test) whose words are added
	// when found in Vectors, so they keep their pretrained embedding.
	Extra []Sentence
}

// BuildVocabs builds the word vocabulary (<pad>, <unk>, training words by
// count, then the words of the vector file) and the character vocabulary
// (<pad>, <unk>, training characters) of sents, normalising words with
// cfg.WordKey.
func BuildVocabs(sents []Sentence, cfg *Config, opt VocabOptions) (words, chars *text.Vocab, err error) {
	wc, cc := text.NewCounter(), text.NewCounter()
	for _, s := range sents {
		for _, w := range s.Tokens {
			wc.AddN(cfg.WordKey(w), 1)
			for _, r := range w {
				cc.AddN(string(r), 1)
			}
		}
	}
	specials := []string{text.PAD, text.UNK}
	if words, err = text.BuildVocab(wc, text.VocabOptions{Specials: specials, MinCount: opt.MinCount}); err != nil {
		return nil, nil, fmt.Errorf("tag: word vocabulary: %w", err)
	}
	if chars, err = text.BuildVocab(cc, text.VocabOptions{Specials: specials}); err != nil {
		return nil, nil, fmt.Errorf("tag: character vocabulary: %w", err)
	}
	if opt.Vectors == nil {
		return words, chars, nil
	}
	toks, counts := words.Tokens(), words.Counts()
	seen := make(map[string]bool, len(toks))
	for _, t := range toks {
		seen[t] = true
	}
	for _, w := range opt.Vectors.Words {
		if k := cfg.WordKey(w); !seen[k] && utf8.ValidString(k) { // vocab.json holds UTF-8 only
			seen[k] = true
			toks = append(toks, k)
			counts = append(counts, 0)
		}
	}
	if words, err = text.NewVocab(toks, counts, specials); err != nil {
		return nil, nil, fmt.Errorf("tag: word vocabulary: %w", err)
	}
	return words, chars, nil
}

// LoadVectors initialises the word embedding from a vector file (see
// vectors.EmbeddingMatrix) and returns the number of vocabulary words
// found. Rows not found keep their random initialisation; the padding row
// stays zero.
func (m *Model) LoadVectors(v *vectors.Vectors, seed uint64) int {
	words := m.Vocab.Tokens()
	data, found := vectors.EmbeddingMatrix(words, v, m.Config.WordEmbed, rand.New(rand.NewPCG(seed, 0x766563)))
	E := m.Config.WordEmbed
	idx := make(map[string]bool, len(v.Words))
	for _, w := range v.Words {
		idx[w] = true
	}
	found = 0
	for i, w := range words {
		if i == padID {
			continue
		}
		if idx[w] {
			copy(m.WordEmb.Weight.Data[i*E:(i+1)*E], data[i*E:(i+1)*E])
			found++
		}
	}
	return found
}

// EncodeSentences encodes sentences for the model. With labelled set, tags
// are converted to the training scheme and mapped to ids; a tag the model
// does not know is an error naming the file (name) and line.
func (m *Model) EncodeSentences(sents []Sentence, name string, labelled bool) (*Data, error) {
	d := &Data{Words: make([][]int32, len(sents)), Chars: make([][][]int32, len(sents))}
	if labelled {
		d.Tags = make([][]int32, len(sents))
	}
	tagID := make(map[string]int32, len(m.Config.Tags))
	for i, t := range m.Config.Tags {
		tagID[t] = int32(i)
	}
	train, _ := ParseScheme(m.Config.TrainScheme)
	for i, s := range sents {
		if len(s.Tokens) == 0 {
			return nil, fmt.Errorf("tag: %s:%d: empty sentence", name, s.Line)
		}
		w := make([]int32, len(s.Tokens))
		c := make([][]int32, len(s.Tokens))
		for j, tok := range s.Tokens {
			w[j] = m.EncodeWord(tok)
			c[j] = m.EncodeChars(tok)
		}
		d.Words[i], d.Chars[i] = w, c
		if !labelled {
			continue
		}
		tags := Convert(s.Tags, train)
		ids := make([]int32, len(tags))
		for j, t := range tags {
			id, ok := tagID[t]
			if !ok {
				return nil, fmt.Errorf("tag: %s:%d: tag %q (as %s: %q) is not among the model's tags", name, s.Line+j, s.Tags[j], train, t)
			}
			ids[j] = id
		}
		d.Tags[i] = ids
	}
	return d, nil
}

// dataScheme returns the scheme named (ParseScheme), or with "" or "auto"
// the one DetectScheme finds in the tags of sents.
func dataScheme(name string, sents []Sentence) (Scheme, error) {
	if name != "" && name != "auto" {
		return ParseScheme(name)
	}
	seqs := make([][]string, len(sents))
	for i, s := range sents {
		seqs[i] = s.Tags
	}
	return DetectScheme(seqs), nil
}

// TagSet returns the tags of sents converted to scheme s, "O" first, then
// sorted by type and prefix. In Plain, "O" is there only if the data has it.
func TagSet(sents []Sentence, s Scheme) []string {
	set := map[string]bool{}
	if s != Plain {
		set["O"] = true
	}
	for _, st := range sents {
		for _, t := range Convert(st.Tags, s) {
			set[t] = true
		}
	}
	tags := make([]string, 0, len(set))
	for t := range set {
		if t != "O" {
			tags = append(tags, t)
		}
	}
	sort.Slice(tags, func(i, j int) bool {
		pi, ti := Split(tags[i])
		pj, tj := Split(tags[j])
		if ti != tj {
			return ti < tj
		}
		return pi < pj
	})
	if set["O"] {
		tags = append([]string{"O"}, tags...)
	}
	return tags
}

// InitVectors initialises the word embedding from vec (LoadVectors) and
// returns the coverage of the vocabulary and of the training word types
// of train (normalised by Config.WordKey, minCount as for BuildVocabs).
func (m *Model) InitVectors(vec *vectors.Vectors, train []Sentence, minCount int64, seed uint64) (vectors.Coverage, error) {
	found := m.LoadVectors(vec, seed)
	tw, _, err := BuildVocabs(train, &m.Config, VocabOptions{MinCount: minCount})
	if err != nil {
		return vectors.Coverage{}, err
	}
	inV := make(map[string]bool, len(vec.Words))
	for _, w := range vec.Words {
		inV[m.Config.WordKey(w)] = true
	}
	return vectors.CoverageOf(m.Vocab, found, tw, func(w string) bool { return inV[w] }), nil
}

// Build makes a tagger for the training sentences sents: the data's tag
// scheme is cfg.Scheme (detected when "" or "auto"), the tags those of
// sents in cfg.TrainScheme (TagSet), the vocabularies BuildVocabs' with opt
// (with opt.Vectors the word embedding takes its dimension), and the
// weights are drawn from seed (New).
func Build(sents []Sentence, cfg Config, opt VocabOptions, seed uint64) (*Model, error) {
	scheme, err := dataScheme(cfg.Scheme, sents)
	if err != nil {
		return nil, err
	}
	ts, err := ParseScheme(cfg.TrainScheme)
	if err != nil {
		return nil, err
	}
	if scheme == Plain {
		ts = Plain // plain tags have no chunks to re-encode
	} else if ts == Plain {
		return nil, fmt.Errorf("tag: train scheme plain needs plain data (scheme plain), not %s chunks", scheme)
	}
	cfg.Scheme, cfg.TrainScheme = scheme.String(), ts.String()
	cfg.Tags = TagSet(sents, ts)
	if opt.Vectors != nil {
		cfg.WordEmbed = opt.Vectors.Dim
	}
	words, chars, err := BuildVocabs(sents, &cfg, opt)
	if err != nil {
		return nil, err
	}
	cfg.VocabSize, cfg.CharVocab = words.Len(), chars.Len()
	return New(cfg, words, chars, seed)
}
