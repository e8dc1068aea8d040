package infer

import "strings"

// EmbedLine is the embedding of one line of text by word vectors: its
// whitespace-separated words, with either each word's vector (null for a
// word out of the vocabulary) or the mean of the known words' vectors
// (null when no word is known). Words are looked up as the vectors
// commands do (exact, then case-insensitive).
type EmbedLine struct {
	Text    string      `json:"text"`
	Words   []string    `json:"words"`
	Known   int         `json:"known"`
	Vectors [][]float32 `json:"vectors,omitempty"`
	Mean    []float32   `json:"mean,omitempty"`
}

// Embed embeds one line: per word (perWord) or as the mean vector. The
// mean is accumulated in float64 in word order, then rounded to float32.
func (v *Vectors) Embed(line string, perWord bool) EmbedLine {
	words := strings.Fields(line)
	e := EmbedLine{Text: line, Words: words}
	if e.Words == nil {
		e.Words = []string{}
	}
	dim := v.X.V.Dim
	var sum []float64
	if perWord {
		e.Vectors = make([][]float32, len(words))
	} else {
		sum = make([]float64, dim)
	}
	for k, w := range words {
		i, ok := v.X.Lookup(w)
		if !ok {
			continue
		}
		e.Known++
		vec := v.X.V.Vec(i)
		if perWord {
			e.Vectors[k] = vec
			continue
		}
		for d, x := range vec {
			sum[d] += float64(x)
		}
	}
	if !perWord && e.Known > 0 {
		e.Mean = make([]float32, dim)
		for d, s := range sum {
			e.Mean[d] = float32(s / float64(e.Known))
		}
	}
	return e
}

// ClassifyRecord is one line of classify predict --json, its keys in the
// order encoding/json gives the CLI's map.
type ClassifyRecord struct {
	Label         string             `json:"label"`
	Probabilities map[string]float32 `json:"probabilities"`
	Text          string             `json:"text"`
}

// Record returns the prediction as classify predict --json prints it.
func (p Prediction) Record() ClassifyRecord {
	return ClassifyRecord{Label: p.Label, Probabilities: p.Probs, Text: p.Text}
}
