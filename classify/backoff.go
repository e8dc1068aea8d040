package classify

import (
	"strings"

	"github.com/recurrent-go/recurrent/vectors"
)

// clitics maps the English contractions of Penn-Treebank tokenization
// (SST's "wo n't", "they 're") to the words a vector file trained on
// normalized text knows.
var clitics = map[string]string{"n't": "not", "'re": "are", "'ve": "have", "'ll": "will", "'m": "am", "'d": "would"}

// digitWords spells digits as text8-style corpora (wiki17m) write them.
var digitWords = [10]string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}

// accentFolds lists the accented Latin letters that foldAccent maps to
// each base letter.
var accentFolds = []struct {
	base     rune
	accented string
}{{'a', "àáâãäå"}, {'c', "ç"}, {'e', "èéêë"}, {'i', "ìíîï"}, {'n', "ñ"}, {'o', "òóôõöø"}, {'u', "ùúûü"}}

// foldAccent maps accented Latin letters to their base letter (clichés ->
// cliches), as the ASCII-only vector corpora lack them.
func foldAccent(r rune) rune {
	for _, f := range accentFolds {
		if strings.ContainsRune(f.accented, r) {
			return f.base
		}
	}
	return r
}

// BackoffParts returns the words whose vectors compose a word that a
// vector file lacks: the expansion of an English clitic ("n't" -> not);
// else the lower-cased, accent-folded word, split at every character that
// is not a letter into its letter runs (coming-of-age -> coming, of, age;
// writer\/director -> writer, director; mr. -> mr), each digit spelled
// out as a word (1930s -> one, nine, three, zero, s). It returns nil when
// that gives nothing new (the word itself).
func BackoffParts(w string) []string {
	lw := strings.ToLower(w)
	if c, ok := clitics[lw]; ok {
		return []string{c}
	}
	var parts []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			parts = append(parts, cur.String())
			cur.Reset()
		}
	}
	for _, r := range lw {
		r = foldAccent(r)
		switch {
		case r >= 'a' && r <= 'z':
			cur.WriteRune(r)
		case r >= '0' && r <= '9':
			flush()
			parts = append(parts, digitWords[r-'0'])
		default:
			flush()
		}
	}
	flush()
	if len(parts) == 1 && parts[0] == lw {
		return nil
	}
	return parts
}

// BackoffVectors gives every vocabulary word that v lacks (exactly and
// lower-cased) the mean vector of those of its BackoffParts that v has,
// when there is at least one, and returns how many words it composed.
// Call it after LoadVectors; rows it does not compose keep their random
// initialisation. Specials are left alone.
func (m *Model) BackoffVectors(v *vectors.Vectors) int {
	index := make(map[string]int, len(v.Words))
	for i := len(v.Words) - 1; i >= 0; i-- {
		index[v.Words[i]] = i
	}
	special := map[string]bool{}
	for _, s := range m.Vocab.Specials() {
		special[s] = true
	}
	E, n := m.Config.Embed, 0
	dim := min(E, v.Dim)
	sum := make([]float64, dim)
	for id, w := range m.Vocab.Tokens() {
		if special[w] {
			continue
		}
		if _, ok := index[w]; ok {
			continue
		}
		if _, ok := index[strings.ToLower(w)]; ok {
			continue
		}
		clear(sum)
		found := 0
		for _, p := range BackoffParts(w) {
			i, ok := index[p]
			if !ok {
				continue
			}
			for j, x := range v.Vec(i)[:dim] {
				sum[j] += float64(x)
			}
			found++
		}
		if found == 0 {
			continue
		}
		row := m.Embedding.Weight.Data[id*E : id*E+dim]
		for j := range row {
			row[j] = float32(sum[j] / float64(found))
		}
		n++
	}
	return n
}

// Vectors returns the embedding as word vectors, one per vocabulary word
// (specials excluded), in vocabulary order: after fine-tuning, vectors
// adapted to the classification task (for example sentiment-aware vectors
// from an SST-2 model), which vectors.Save writes and --vectors reads.
func (m *Model) Vectors() *vectors.Vectors {
	E := m.Config.Embed
	special := map[string]bool{}
	for _, s := range m.Vocab.Specials() {
		special[s] = true
	}
	out := &vectors.Vectors{Dim: E}
	for id, w := range m.Vocab.Tokens() {
		if special[w] {
			continue
		}
		out.Words = append(out.Words, w)
		out.Data = append(out.Data, m.Embedding.Weight.Data[id*E:(id+1)*E]...)
	}
	return out
}
