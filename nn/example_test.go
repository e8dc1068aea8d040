package nn_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/optim"
	"github.com/recurrent-go/recurrent/tensor"
)

// A complete training loop with the layers alone: a character model
// (Embedding -> GRU -> Linear) learns to continue the cycle a b c d by
// backpropagation through time, then samples greedily. Each Forward keeps
// what its Backward needs; the shapes are time-major [T, B, ...].
func Example() {
	const V, E, H, T, B = 4, 8, 16, 12, 1 // vocabulary, sizes, steps, batch
	rng := rand.New(rand.NewPCG(1, 2))
	emb, _ := nn.NewEmbedding(V, E, -1, rng)
	rnn, _ := nn.NewRNN(nn.RNNConfig{Cell: "gru", InputSize: E, HiddenSize: H, NumLayers: 1}, rng)
	dec := nn.NewLinear(H, V, true, rng)
	params := append(append(emb.Params(), rnn.Params()...), dec.Params()...)
	opt, err := optim.New("adam", params, optim.Options{LR: 0.05})
	if err != nil {
		panic(err)
	}
	x, y := make([]int32, T), make([]int32, T) // inputs and next-character targets
	for t := range T {
		x[t], y[t] = int32(t%V), int32((t+1)%V)
	}
	// forward returns the logits [T*B, V] of ids, keeping state for Backward.
	forward := func(ids []int32) []float32 {
		e, _ := emb.Forward(ids)                                 // [T*B, E]
		h, _, _, _ := rnn.Forward(e, len(ids), B, nil, nil, nil) // [T, B, H], zero initial state
		logits, _ := dec.Forward(h, len(ids)*B)                  // [T*B, V]
		return logits
	}
	dLogits := make([]float32, T*B*V)
	var loss float64
	for range 80 {
		opt.ZeroGrad()
		logits := forward(x)
		loss, _, _ = nn.SoftmaxCrossEntropy(dLogits, logits, T*B, V, y, nn.LossOptions{}) // mean over tokens
		dh, _ := dec.Backward(dLogits)
		dx, _, _, _ := rnn.Backward(dh, nil, nil)
		_ = emb.Backward(dx)
		optim.ClipGradNorm(params, 5)
		if err := opt.Step(); err != nil {
			panic(err)
		}
	}
	fmt.Printf("mean loss below 0.05: %v\n", loss < 0.05)

	// Greedy sampling: run the prefix, append the most likely next id.
	rnn.SetTraining(false)
	seq := []int32{2}
	for len(seq) < 9 {
		logits := forward(seq)
		seq = append(seq, int32(tensor.Argmax(logits[(len(seq)-1)*V:])))
	}
	fmt.Println(seq)
	// Output:
	// mean loss below 0.05: true
	// [2 3 0 1 2 3 0 1 2]
}
