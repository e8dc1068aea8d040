package nn

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

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

// TestRNNLoopWaysBitIdentical: the three ways a time loop can run on two
// threads (the team, the serial loop with pooled products, the serial
// loop on the caller alone) give the one-thread loop's bits, forward and
// backward; each way is forced through the loops' measured choice.
func TestRNNLoopWaysBitIdentical(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	}
	defer tensor.SetThreads(0)
	for _, cell := range []string{"lstm", "gru"} {
		t.Run(cell, func(t *testing.T) {
			const T, B = 7, 12
			cfg := RNNConfig{Cell: cell, InputSize: 24, HiddenSize: 128, NumLayers: 2}
			rng := rand.New(rand.NewPCG(4, 5))
			r := mustRNN(t, rng, cfg)
			x := rnnRandom(rng, T*B*24, 1)
			dOut := rnnRandom(rng, T*B*128, 0.1)
			run := func() [][]float32 {
				ZeroGrads(r.Params())
				out, _, _, err := r.Forward(x, T, B, nil, nil, nil)
				if err != nil {
					t.Fatal(err)
				}
				res := [][]float32{rnnClone(out)}
				dx, _, _, err := r.Backward(dOut, nil, nil)
				if err != nil {
					t.Fatal(err)
				}
				res = append(res, rnnClone(dx))
				for _, p := range r.Params() {
					res = append(res, rnnClone(p.Grad))
				}
				return res
			}
			tensor.SetThreads(1)
			want := run()
			tensor.SetThreads(2)
			run() // sizes the team memory
			for _, way := range []int{loopTeam, loopPooled, loopAlone} {
				for _, d := range r.dirs {
					for k := range d.tm.choice {
						c := &d.tm.choice[k]
						c.calls, c.ns = 1, [loopWays]float64{2, 2, 2}
						c.ns[way] = 1
					}
				}
				got := run()
				for _, d := range r.dirs {
					for k, c := range d.tm.choice {
						if c.last[way] != c.calls {
							t.Fatalf("way %d: loop %d of a direction ran another way", way, k)
						}
					}
				}
				for i := range want {
					if j, ok := sameBits(got[i], want[i]); !ok {
						t.Fatalf("way %d: result %d differs from one thread's at %d: %v vs %v", way, i, j, got[i][j], want[i][j])
					}
				}
			}
		})
	}
}

// TestLoopChoicePick: the loop choice runs each way once, the team first,
// then the fastest; every choiceProbe-th call it probes the other way
// that has waited longest, a way more than choiceFar times slower only
// every choiceFarProbe calls.
func TestLoopChoicePick(t *testing.T) {
	var c loopChoice
	for i, want := range []int{loopTeam, loopPooled, loopAlone} {
		got := c.pick(true)
		if got != want {
			t.Fatalf("call %d: way %d, want %d (each way once, the team first)", i+1, got, want)
		}
		// pooled 10 ns, team 30 (far), alone 12 (near)
		c.record(got, time.Duration([loopWays]int{10, 30, 12}[got]), 1)
	}
	runs := map[int][]int{}
	for call := 4; call <= 8*choiceProbe; call++ {
		got := c.pick(true)
		runs[got] = append(runs[got], call)
		if got != loopPooled && call%choiceProbe != 0 {
			t.Fatalf("call %d: way %d, want the fastest, %d", call, got, loopPooled)
		}
	}
	// Probe calls 16, 32, ..., 128: alone (near, last ran at call 3) is
	// due from 32 on, every 16 calls; the team (far, last ran at call 1)
	// at 80, having waited 64+ calls, longer than alone.
	if want := []int{80}; !slices.Equal(runs[loopTeam], want) {
		t.Errorf("team ran at calls %v, want %v", runs[loopTeam], want)
	}
	if want := []int{32, 48, 64, 96, 112, 128}; !slices.Equal(runs[loopAlone], want) {
		t.Errorf("alone ran at calls %v, want %v", runs[loopAlone], want)
	}
	// Without the caller-alone way, even when it measured fastest.
	c.record(loopAlone, 1, 1)
	for call := range 4 * choiceFarProbe {
		if got := c.pick(false); got == loopAlone {
			t.Fatalf("call %d: pick(false) chose the caller alone", call)
		}
	}
}
