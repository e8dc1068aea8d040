package text

// Coverage is how much of a vocabulary's ordinary words (its specials
// excluded) a set of known words, such as a vector file's, covers: as word
// types and as tokens (each word weighted by its count).
type Coverage struct {
	Words       int   `json:"train_words"`
	Found       int   `json:"train_words_found"`
	Tokens      int64 `json:"train_tokens"`
	TokensFound int64 `json:"train_tokens_found"`
}

// Rate is the share of word types found (0 for no words).
func (c Coverage) Rate() float64 { return float64(c.Found) / float64(max(c.Words, 1)) }

// TokenRate is the share of tokens whose word was found (0 for no tokens).
func (c Coverage) TokenRate() float64 {
	return float64(c.TokensFound) / float64(max(c.Tokens, 1))
}

// Words returns the ordinary entries of v in id order, its special tokens
// left out.
func (v *Vocab) Words() []string {
	if len(v.specials) == 0 {
		return v.tokens
	}
	special := make(map[string]bool, len(v.specials))
	for _, s := range v.specials {
		special[s] = true
	}
	out := make([]string, 0, len(v.tokens)-len(v.specials))
	for _, t := range v.tokens {
		if !special[t] {
			out = append(out, t)
		}
	}
	return out
}

// Coverage counts the ordinary words of v for which known reports true.
func (v *Vocab) Coverage(known func(word string) bool) Coverage {
	special := make(map[string]bool, len(v.specials))
	for _, s := range v.specials {
		special[s] = true
	}
	var c Coverage
	for i, t := range v.tokens {
		if special[t] {
			continue
		}
		n := int64(0)
		if i < len(v.counts) {
			n = v.counts[i]
		}
		c.Words++
		c.Tokens += n
		if known(t) {
			c.Found++
			c.TokensFound += n
		}
	}
	return c
}
