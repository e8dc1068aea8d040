package vectors

import "github.com/recurrent-go/recurrent/text"

// Coverage says how much of a task's vocabulary a vector file covers.
// Specials (<pad>, <unk>, ...) are never counted.
type Coverage struct {
	// Found is the number of model vocabulary words given a vector, Words
	// the size of that vocabulary.
	Found int `json:"found"`
	Words int `json:"words"`
	// Train is the number of training word types the vector file has, Of
	// the number of training word types; Rate is Train/Of and TokenRate the
	// share of training tokens (types weighted by their counts) covered.
	Train     int     `json:"train_words_found"`
	Of        int     `json:"train_words"`
	Rate      float64 `json:"train_rate"`
	TokenRate float64 `json:"train_token_rate"`
}

// CoverageOf returns the coverage of the model vocabulary vocab, found of
// whose words got a vector, and of the training vocabulary train (with its
// counts), whose word types has reports as known to the vectors.
func CoverageOf(vocab *text.Vocab, found int, train *text.Vocab, has func(word string) bool) Coverage {
	c := Coverage{Found: found, Words: vocab.Len() - len(vocab.Specials())}
	ns := len(train.Specials())
	words, counts := train.Tokens()[ns:], train.Counts()[ns:]
	var tokFound, tokAll int64
	for i, w := range words {
		tokAll += counts[i]
		if has(w) {
			c.Train++
			tokFound += counts[i]
		}
	}
	c.Of = len(words)
	c.Rate = float64(c.Train) / float64(max(c.Of, 1))
	c.TokenRate = float64(tokFound) / float64(max(tokAll, 1))
	return c
}
