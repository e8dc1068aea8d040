package nn

import (
	"math"
	"math/rand/v2"
	"runtime"
	"strconv"
	"testing"

	"github.com/recurrent-go/recurrent/tensor"
)

// rnnRun is everything one Forward and Backward produce.
type rnnRun struct {
	out, hN, cN, dx, dh0, dc0 []float32
	grads                     [][]float32
}

// runRNNOnce builds the layer from seed and runs Forward and Backward on
// tensor.Threads() threads, reporting whether the team path ran.
func runRNNOnce(t *testing.T, cfg RNNConfig, T, B int, lengths []int, seed uint64) (rnnRun, bool) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	r, err := NewRNN(cfg, rng)
	if err != nil {
		t.Fatal(err)
	}
	r.SetParallel(false)
	D := 1
	if cfg.Bidirectional {
		D = 2
	}
	ns := cfg.NumLayers * D * B * cfg.HiddenSize
	x := rnnRandom(rng, T*B*cfg.InputSize, 1)
	h0 := rnnRandom(rng, ns, 0.5)
	var c0, dcN []float32
	if cfg.Cell == "lstm" {
		c0, dcN = rnnRandom(rng, ns, 0.5), rnnRandom(rng, ns, 0.1)
	}
	dOut := rnnRandom(rng, T*B*D*cfg.HiddenSize, 0.1)
	dhN := rnnRandom(rng, ns, 0.1)
	var run rnnRun
	out, hN, cN, err := r.Forward(x, T, B, lengths, h0, c0)
	if err != nil {
		t.Fatal(err)
	}
	run.out, run.hN, run.cN = append([]float32(nil), out...), append([]float32(nil), hN...), append([]float32(nil), cN...)
	dx, dh0, dc0, err := r.Backward(dOut, dhN, dcN)
	if err != nil {
		t.Fatal(err)
	}
	run.dx, run.dh0, run.dc0 = dx, dh0, dc0
	for _, p := range r.Params() {
		run.grads = append(run.grads, p.Grad)
	}
	teamRan := false
	for _, d := range r.dirs {
		teamRan = teamRan || d.tm != nil && d.tm.choice[0].ns[1] > 0 && d.tm.choice[1].ns[1] > 0
	}
	return run, teamRan
}

// sameBits reports the first index where a and b differ bit for bit.
func sameBits(a, b []float32) (int, bool) {
	if len(a) != len(b) {
		return -1, false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return i, false
		}
	}
	return 0, true
}

// TestRNNTeamBitIdentical checks that the team time loop (2 goroutines,
// units cut into parts) gives exactly the bits of the serial loop (one
// thread), forward and backward, for LSTM and GRU, with and without
// padded rows, bias, stacking and a second direction, at hidden sizes
// whose parts do and do not fill the kernel's panels.
func TestRNNTeamBitIdentical(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	}
	defer tensor.SetThreads(0)
	cases := []struct {
		cell          string
		h, layers, b  int
		bidir, noBias bool
		lengths       bool
	}{
		{"lstm", 48, 2, 8, false, false, false},
		{"lstm", 40, 1, 9, false, false, true},
		{"lstm", 128, 1, 12, true, false, false},
		{"gru", 48, 2, 8, false, false, false},
		{"gru", 40, 1, 9, true, false, true},
		{"gru", 64, 1, 7, false, true, false},
	}
	for _, c := range cases {
		name := c.cell + "_h" + strconv.Itoa(c.h) + "_l" + strconv.Itoa(c.layers) + "_b" + strconv.Itoa(c.b) +
			"_bi" + strconv.FormatBool(c.bidir) + "_nobias" + strconv.FormatBool(c.noBias) + "_len" + strconv.FormatBool(c.lengths)
		t.Run(name, func(t *testing.T) {
			cfg := RNNConfig{Cell: c.cell, InputSize: 24, HiddenSize: c.h, NumLayers: c.layers, Bidirectional: c.bidir, NoBias: c.noBias}
			const T = 9
			var lengths []int
			if c.lengths {
				lengths = make([]int, c.b)
				for i := range lengths {
					lengths[i] = T - i%4
				}
			}
			tensor.SetThreads(1)
			serial, ran := runRNNOnce(t, cfg, T, c.b, lengths, 3)
			if ran {
				t.Fatal("one thread ran the team path")
			}
			tensor.SetThreads(2)
			team, ran := runRNNOnce(t, cfg, T, c.b, lengths, 3)
			if !ran {
				t.Fatal("two threads did not run the team path")
			}
			for _, f := range []struct {
				name string
				a, b []float32
			}{{"out", serial.out, team.out}, {"hN", serial.hN, team.hN}, {"cN", serial.cN, team.cN},
				{"dx", serial.dx, team.dx}, {"dh0", serial.dh0, team.dh0}, {"dc0", serial.dc0, team.dc0}} {
				if i, ok := sameBits(f.a, f.b); !ok {
					t.Errorf("%s differs at %d", f.name, i)
				}
			}
			for i := range serial.grads {
				if j, ok := sameBits(serial.grads[i], team.grads[i]); !ok {
					t.Errorf("gradient of parameter %d differs at %d: %g vs %g", i, j, serial.grads[i][j], team.grads[i][j])
				}
			}
		})
	}
}

// TestRNNTeamThreadCounts runs the team with 3 goroutines and then 2 (the
// shared team is replaced, its members stopped), each bit-identical to
// the serial loop.
func TestRNNTeamThreadCounts(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	defer tensor.SetThreads(0)
	cfg := RNNConfig{Cell: "lstm", InputSize: 16, HiddenSize: 96, NumLayers: 1}
	tensor.SetThreads(1)
	serial, _ := runRNNOnce(t, cfg, 6, 8, nil, 5)
	for _, n := range []int{3, 2} {
		runtime.GOMAXPROCS(n)
		tensor.SetThreads(n)
		team, ran := runRNNOnce(t, cfg, 6, 8, nil, 5)
		if !ran {
			t.Fatalf("%d threads did not run the team path", n)
		}
		if sharedTeam.n != n {
			t.Fatalf("shared team has %d goroutines, want %d", sharedTeam.n, n)
		}
		for i := range serial.grads {
			if j, ok := sameBits(serial.grads[i], team.grads[i]); !ok {
				t.Errorf("%d threads: gradient of parameter %d differs at %d", n, i, j)
			}
		}
		if i, ok := sameBits(serial.out, team.out); !ok {
			t.Errorf("%d threads: out differs at %d", n, i)
		}
	}
}
