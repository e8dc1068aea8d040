package lm

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/recurrent-go/recurrent/tensor"
)

// Sample draws a sentence for label with the language model's sampler
// (temperature, top-k, top-p), stopping at <eos> or after opt.MaxTokens.
// It never produces <unk>.
// opt.Prompt, if set, is fed after the boundary and not returned.
func (m *CondModel) Sample(ctx context.Context, label int, opt SampleOptions) ([]int32, error) {
	return m.SampleGuided(ctx, label, opt, 0)
}

// SampleGuided is Sample with contrastive (classifier-free style) guidance
// g: each step samples from the logits
//
//	log p(w | label) + g * (log p(w | label) - log mean_{k != label} p(w | k)),
//
// which for g > 0 favours the tokens the label makes more likely than the
// other labels do. g = 0 is plain sampling; g > 0 costs one recurrent step
// per label a token.
//
// Sampling carries the recurrent state (one batch-1 stepper per label,
// kept between calls), so a token costs the same at any position; the
// logits equal those of re-running the whole prefix up to float32
// rounding.
func (m *CondModel) SampleGuided(ctx context.Context, label int, opt SampleOptions, g float64) ([]int32, error) {
	if err := m.checkSample(label, opt, g); err != nil {
		return nil, err
	}
	m.drop.SetTraining(false)
	gens, logits, err := m.guidedGens(label, 1+len(opt.Prompt)+opt.MaxTokens, g)
	if err != nil {
		return nil, err
	}
	feed := func(id int32) error {
		for i, gk := range gens {
			l, err := gk.step(id)
			if err != nil {
				return err
			}
			logits[i] = l
		}
		return nil
	}
	if err := feed(m.eos); err != nil {
		return nil, err
	}
	for _, id := range opt.Prompt {
		if err := feed(id); err != nil {
			return nil, err
		}
	}
	p := m.newCondPicker(label, opt, g)
	var out []int32
	for len(out) < opt.MaxTokens {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		id, eos := p.next(logits)
		if eos {
			break
		}
		out = append(out, id)
		if len(out) < opt.MaxTokens {
			if err := feed(id); err != nil {
				return out, err
			}
		}
	}
	return out, nil
}

// condPicker chooses each token of a conditional sample from the step's
// logits: guided (g > 0) or plain, never <unk>.
type condPicker struct {
	s               *sampler
	label           int
	g               float64
	unk, eos        int32
	cur, other, acc []float32 // [V] guided log-probabilities (g > 0)
}

func (m *CondModel) newCondPicker(label int, opt SampleOptions, g float64) *condPicker {
	V := m.Config.VocabSize
	p := &condPicker{s: newSampler(V, opt), label: label, g: g, unk: m.Vocab.UnkID(), eos: m.eos}
	if g > 0 {
		p.cur, p.other, p.acc = make([]float32, V), make([]float32, V), make([]float32, V)
	}
	return p
}

// next samples a token from logits, laid out as guidedGens lays them out
// (with guidance one row per label, else the label's row alone; the row
// sampled from is overwritten), and reports whether it is <eos>, which
// ends the sample.
func (p *condPicker) next(logits [][]float32) (id int32, eos bool) {
	last := logits[0]
	if p.g > 0 {
		guide(p.cur, p.other, p.acc, logits, p.label, p.g)
		last = p.cur
	}
	if p.unk >= 0 {
		last[p.unk] = float32(math.Inf(-1))
	}
	id = p.s.pick(last)
	return id, id == p.eos
}

// guidedGens returns one generator per label a step needs (the label
// alone without guidance), ready for steps tokens, and logits, where
// logits[i] will hold the next token's logits under gens[i]'s label (with
// guidance gens[k] is label k's generator; without, gens[0] is label's).
// Each is fed the boundary, the prompt and every sampled token: the state
// is carried, so a step costs the same at any position.
func (m *CondModel) guidedGens(label, steps int, g float64) ([]*condGen, [][]float32, error) {
	gens := m.stepGens[:0]
	for k := range m.Config.Labels {
		if k != label && g == 0 {
			continue
		}
		gk, err := m.condGen(k, steps)
		if err != nil {
			return nil, nil, err
		}
		gens = append(gens, gk)
	}
	m.stepGens = gens
	logits := m.stepLogits[:0]
	for range gens {
		logits = append(logits, nil)
	}
	m.stepLogits = logits
	return gens, logits, nil
}

// checkSample validates SampleGuided's label, guidance and ids.
func (m *CondModel) checkSample(label int, opt SampleOptions, g float64) error {
	K, V := len(m.Config.Labels), m.Config.VocabSize
	if label < 0 || label >= K {
		return fmt.Errorf("lm: sample: label %d outside [0, %d)", label, K)
	}
	if !(g >= 0 && g <= math.MaxFloat32) || (g > 0 && K < 2) {
		return fmt.Errorf("lm: sample: guidance %v must be a finite number >= 0 (in float32's range), and needs at least two labels", g)
	}
	return opt.checkIDs(opt.Prompt, V)
}

// guide writes into cur the guided log-scores of the next token for label:
// log p(w|label) + g * (log p(w|label) - log q(w)), where q is the mean of
// p(w|k) over the other labels k, from logits[k] [V], each label's raw
// next-token logits. other and acc are [V] scratch.
func guide(cur, other, acc []float32, logits [][]float32, label int, g float64) {
	tensor.LogSoftmax(cur, logits[label])
	// acc = log sum_{k != label} p(w | k), accumulated stably.
	first := true
	for k, lk := range logits {
		if k == label {
			continue
		}
		tensor.LogSoftmax(other, lk)
		if first {
			copy(acc, other)
			first = false
			continue
		}
		for i, v := range other {
			hi, lo := max(acc[i], v), min(acc[i], v)
			acc[i] = hi + float32(math.Log1p(math.Exp(float64(lo-hi))))
		}
	}
	shift := float32(math.Log(float64(len(logits) - 1)))
	for i := range cur {
		cur[i] += float32(g) * (cur[i] - (acc[i] - shift))
	}
}

// LabelPosterior returns log p(label | sentence) for every label under the
// model itself with a uniform prior: log p(sentence, <eos> | label)
// normalised over the labels (Bayes' rule with the generative model).
func (m *CondModel) LabelPosterior(sent []int32) ([]float64, error) {
	lp := make([]float64, len(m.Config.Labels))
	for l := range lp {
		nll, _, err := m.Loss([][]int32{sent}, []int{l}, false)
		if err != nil {
			return nil, err
		}
		lp[l] = -nll
	}
	mx := slices.Max(lp)
	var z float64
	for _, v := range lp {
		z += math.Exp(v - mx)
	}
	for l := range lp {
		lp[l] -= mx + math.Log(z)
	}
	return lp, nil
}

// SampleReranked draws n samples for label (seeds opt.Seed, opt.Seed+1,
// ...) and returns the one the model itself assigns the highest posterior
// log p(label | sample), with that posterior. n <= 1 is Sample.
func (m *CondModel) SampleReranked(ctx context.Context, label int, opt SampleOptions, n int) ([]int32, float64, error) {
	var best []int32
	bestScore := math.Inf(-1)
	seed := opt.Seed
	for i := 0; i < max(1, n); i++ {
		opt.Seed = seed + uint64(i)
		ids, err := m.Sample(ctx, label, opt)
		if err != nil {
			return nil, 0, err
		}
		post, err := m.LabelPosterior(append(slices.Clone(opt.Prompt), ids...))
		if err != nil {
			return nil, 0, err
		}
		if post[label] > bestScore || best == nil {
			best, bestScore = ids, post[label]
		}
	}
	return best, bestScore, nil
}
