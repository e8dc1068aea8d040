package tag

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/recurrent-go/recurrent/internal/xslices"
	"github.com/recurrent-go/recurrent/text"
)

// Predict tags encoded sentences and returns, for each, the tags in the
// scheme of the training data (Config.Scheme). Decoding picks the best
// tag sequence that is valid in the training scheme (Viterbi over the
// per-token log-probabilities with forbidden transitions removed).
// Sentences of similar length go through the model batch at a time
// (fewer where padding them together would pass text.MaxPaddedTokens).
func (m *Model) Predict(ctx context.Context, d *Data, batch int) ([][]string, error) {
	if batch < 1 {
		batch = 128
	}
	defer m.drop.EvalMode()()
	n := d.Len()
	out := make([][]string, n)
	K := len(m.Config.Tags)
	trainScheme, _ := ParseScheme(m.Config.TrainScheme)
	scheme, _ := ParseScheme(m.Config.Scheme)
	allowed, start := transitions(m.Config.Tags, trainScheme)
	var (
		pad   text.Padded
		words [][]int32
		chars [][][]int32
		lp    []float32
	)
	for _, idx := range text.PaddedBatches(d.Words, batch) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		words, chars = words[:0], chars[:0]
		for _, i := range idx {
			words = append(words, d.Words[i])
			chars = append(chars, d.Chars[i])
		}
		if err := text.PadInto(&pad, words, padID); err != nil {
			return nil, fmt.Errorf("tag: %w", err)
		}
		scores, err := m.Forward(pad.IDs, chars, pad.T, pad.B, pad.Lengths)
		if err != nil {
			return nil, err
		}
		B := pad.B
		for b, i := range idx {
			L := pad.Lengths[b]
			lp = xslices.Resize(lp, L*K)
			for t := range L {
				logSoftmax(lp[t*K:(t+1)*K], scores[(t*B+b)*K:(t*B+b+1)*K])
			}
			path := viterbi(lp, L, K, allowed, start)
			tags := make([]string, L)
			for t, k := range path {
				tags[t] = m.Config.Tags[k]
			}
			out[i] = Convert(tags, scheme)
		}
	}
	return out, nil
}

func logSoftmax(dst, x []float32) {
	mx := x[0]
	for _, v := range x {
		mx = max(mx, v)
	}
	var s float64
	for _, v := range x {
		s += math.Exp(float64(v - mx))
	}
	ls := float32(math.Log(s)) + mx
	for i, v := range x {
		dst[i] = v - ls
	}
}

// transitions returns which tag may follow which ([from*K+to]) and which
// may start a sentence in scheme s. IOB1 allows everything (I- may start a
// chunk), as does Plain; the end of a sentence is not constrained.
func transitions(tags []string, s Scheme) (allowed, start []bool) {
	K := len(tags)
	allowed = make([]bool, K*K)
	start = make([]bool, K)
	for j, to := range tags {
		pt, tt := Split(to)
		free := s == IOB1 || s == Plain
		start[j] = free || (pt != "I" && pt != "E")
		for i, from := range tags {
			pf, tf := Split(from)
			ok := true
			if !free {
				inside := pt == "I" || pt == "E"
				open := (pf == "B" || pf == "I") && tf == tt // a chunk of type tt is open
				if inside {
					ok = open
				} else if s == IOBES && (pf == "B" || pf == "I") {
					ok = false // an open chunk must be closed by I- or E-
				}
			}
			allowed[i*K+j] = ok
		}
	}
	return allowed, start
}

// viterbi returns the tag sequence maximising the sum of log-probabilities
// lp [L, K] among the allowed ones (falling back to per-token argmax when
// none is allowed).
func viterbi(lp []float32, L, K int, allowed, start []bool) []int {
	neg := float32(math.Inf(-1))
	score := make([]float32, K)
	next := make([]float32, K)
	back := make([]int32, L*K)
	for k := range K {
		score[k] = neg
		if start[k] {
			score[k] = lp[k]
		}
	}
	for t := 1; t < L; t++ {
		for j := range K {
			best, arg := neg, int32(-1)
			for i := range K {
				if allowed[i*K+j] && score[i] > best {
					best, arg = score[i], int32(i)
				}
			}
			next[j] = best + lp[t*K+j]
			back[t*K+j] = arg
		}
		score, next = next, score
	}
	end := 0
	for k := range K {
		if score[k] > score[end] {
			end = k
		}
	}
	path := make([]int, L)
	// No allowed path has a finite score (or the scores are NaN, as from a
	// model with non-finite weights): fall back to the per-token argmax.
	if !(score[end] > neg) {
		return argmaxPath(lp, L, K)
	}
	path[L-1] = end
	for t := L - 1; t > 0; t-- {
		b := back[t*K+path[t]]
		if b < 0 {
			return argmaxPath(lp, L, K)
		}
		path[t-1] = int(b)
	}
	return path
}

// argmaxPath returns each token's most probable tag of lp [L, K] (the
// first when none compares greater, as with NaN scores).
func argmaxPath(lp []float32, L, K int) []int {
	path := make([]int, L)
	for t := range L {
		a := 0
		for k := range K {
			if lp[t*K+k] > lp[t*K+a] {
				a = k
			}
		}
		path[t] = a
	}
	return path
}

// Score tags the sentences (TagSentences: a kept -DOCSTART- row gets "O")
// and scores the predictions against their gold tags exactly as conlleval
// scores the output of WritePredicted (ScoreRows; on the original scheme
// of the data; a Plain model's tags as conlleval -r reads them).
func (m *Model) Score(ctx context.Context, sents []Sentence, name string, batch int) (Metrics, [][]string, error) {
	pred, err := m.TagSentences(ctx, sents, name, batch)
	if err != nil {
		return Metrics{}, nil, err
	}
	r, err := m.scoreSentences(sents, pred)
	return r, pred, err
}

// scoreSentences scores pred against the tags of sents with conlleval's
// rules (ScoreRows); a Plain model's tags are read as conlleval -r reads
// them, every tag but O being a one-token chunk of its type, except on a
// kept -DOCSTART- row, which is O as in a chunk file (a token outside any
// chunk, not a chunk of its marker tag "-X-").
func (m *Model) scoreSentences(sents []Sentence, pred [][]string) (Metrics, error) {
	if m.Config.Scheme != Plain.String() || len(sents) != len(pred) { // ScoreRows names a count mismatch
		return ScoreRows(sents, pred)
	}
	gold := slices.Clone(sents)
	pr := make([][]string, len(pred))
	for i := range gold {
		gold[i].Tags, pr[i] = rawTags(&sents[i], sents[i].Tags), rawTags(&sents[i], pred[i])
	}
	return ScoreRows(gold, pr)
}

// rawTags returns tags, those of sentence s, as conlleval -r reads them
// (rawTag), all O on a -DOCSTART- row.
func rawTags(s *Sentence, tags []string) []string {
	out := make([]string, len(tags))
	for k, t := range tags {
		out[k] = "O"
		if !isDocStart(s) {
			out[k] = rawTag(t, "O")
		}
	}
	return out
}
