// Package stepdrop holds a task model's training mode and the randomness of
// its dropout masks, made a function of (seed, step) so that a resumed
// training run draws exactly the masks an uninterrupted one would have
// drawn. The language model, the conditional language model, the
// classifier and the tagger keep one Dropout each.
package stepdrop

import (
	"math/rand/v2"

	"github.com/recurrent-go/recurrent/nn"
)

// Dropout is a model's training mode and dropout randomness: Rand for the
// model's own masks (embeddings, features, outputs) and, with SetRNN, the
// generator its recurrent layers draw their inter-layer masks from. Use
// New; a Dropout is not safe for concurrent use.
type Dropout struct {
	// Seed, with the step number, determines every mask after Reseed.
	Seed uint64
	// Rand draws the model's own masks (nn.DropoutWith).
	Rand *rand.Rand

	pcg      *rand.PCG
	rnn      *nn.RNN
	rnnPCG   *rand.PCG
	training bool
}

// New returns a Dropout in training mode whose masks follow seed.
func New(seed uint64) Dropout {
	pcg := rand.NewPCG(0, 0)
	return Dropout{Seed: seed, Rand: rand.New(pcg), pcg: pcg, training: true}
}

// SetRNN ties the model's recurrent layers to the Dropout: SetTraining
// switches them too and Reseed reseeds pcg, the generator rnn draws its
// inter-layer masks from. pcg must be rnn's source of randomness already (rnn built with, or given
// by SetRand, rand.New(pcg)); SetRNN lets rnn draw from it directly
// (RNN.SetDropoutPCG: the same masks, drawn in parallel).
func (d *Dropout) SetRNN(rnn *nn.RNN, pcg *rand.PCG) {
	d.rnn, d.rnnPCG = rnn, pcg
	if rnn != nil {
		rnn.SetDropoutPCG(pcg)
	}
}

// PCG returns Rand's source, for nn.DropoutPCG (the masks of
// nn.DropoutWith(d.Rand, ...), drawn in parallel).
func (d *Dropout) PCG() *rand.PCG { return d.pcg }

// Reseed makes the masks of the next forward a function of (Seed, step);
// without it a forward continues the generators' streams.
func (d *Dropout) Reseed(step uint64) {
	if d.rnnPCG != nil {
		d.rnnPCG.Seed(d.Seed^0x9e3779b97f4a7c15, step)
	}
	d.pcg.Seed(d.Seed^0xc2b2ae3d27d4eb4f, step)
}

// SetTraining switches dropout on or off (the recurrent layers' too).
func (d *Dropout) SetTraining(on bool) {
	d.training = on
	if d.rnn != nil {
		d.rnn.SetTraining(on)
	}
}

// Training reports whether dropout is on.
func (d *Dropout) Training() bool { return d.training }

// Active reports whether a dropout of probability p applies: in training
// and p > 0.
func (d *Dropout) Active(p float64) bool { return d.training && p > 0 }

// EvalMode switches to evaluation mode and returns the function that
// restores the previous mode.
func (d *Dropout) EvalMode() (restore func()) {
	was := d.training
	d.SetTraining(false)
	return func() { d.SetTraining(was) }
}
