package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/tensor"
)

// rnnTableCase is a shape for the table-mode tests.
type rnnTableCase struct {
	cfg     RNNConfig
	V, T, B int
	lengths []int
}

// rnnTableCases covers every cell alone and the stacked, bidirectional,
// variable-length, dropout combination, at shapes where the table's and
// the rows' projections both take Sgemm's tiled route (more than 6 rows
// and more than 8*8*8 multiply-adds), plus a character-model shape.
func rnnTableCases() []rnnTableCase {
	var cs []rnnTableCase
	for _, cell := range rnnAllCells {
		cs = append(cs,
			rnnTableCase{RNNConfig{Cell: cell, InputSize: 8, HiddenSize: 8, NumLayers: 1}, 9, 5, 4, nil},
			rnnTableCase{RNNConfig{Cell: cell, InputSize: 12, HiddenSize: 5, NumLayers: 2, Bidirectional: true, Dropout: 0.25}, 11, 6, 3, []int{4, 6, 2}},
		)
	}
	return append(cs,
		rnnTableCase{RNNConfig{Cell: "lstm", InputSize: 64, HiddenSize: 48, NumLayers: 2}, 65, 20, 16, nil},
		rnnTableCase{RNNConfig{Cell: "gru", InputSize: 64, HiddenSize: 48, NumLayers: 2}, 65, 20, 16, nil},
		rnnTableCase{RNNConfig{Cell: "lstm", InputSize: 6, HiddenSize: 8, NumLayers: 1, NoBias: true}, 9, 5, 4, nil})
}

func (c rnnTableCase) name() string {
	return fmt.Sprintf("%s/L%d/I%d/V%d/bidir=%v/varlen=%v/nobias=%v", c.cfg.Cell, c.cfg.NumLayers, c.cfg.InputSize, c.V,
		c.cfg.Bidirectional, c.lengths != nil, c.cfg.NoBias)
}

// rnnIDs returns n ids in [0, V) drawn from rng, every id used when n >= V.
func rnnIDs(rng *rand.Rand, n, V int) []int32 {
	ids := make([]int32, n)
	for i := range ids {
		if i < V {
			ids[i] = int32(i)
		} else {
			ids[i] = int32(rng.IntN(V))
		}
	}
	rng.Shuffle(n, func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	return ids
}

// TestRNNTableMatchesRows: ForwardTable gives bit for bit the outputs and
// final states of Forward on the gathered rows (on one and two threads),
// and its Backward the same parameter and state gradients within float32
// rounding (1e-5 relative), with dx the per-id sum of Forward's dx.
func TestRNNTableMatchesRows(t *testing.T) {
	old := tensor.Threads()
	defer tensor.SetThreads(old)
	for i, c := range rnnTableCases() {
		for _, threads := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s/threads%d", c.name(), threads), func(t *testing.T) {
				tensor.SetThreads(threads)
				rng := rand.New(rand.NewPCG(11, uint64(i)))
				r := mustRNN(t, rng, c.cfg)
				I := c.cfg.InputSize
				table := rnnRandom(rng, c.V*I, 1)
				ids := rnnIDs(rng, c.T*c.B, c.V)
				x := make([]float32, c.T*c.B*I)
				gatherRows(x, table, ids, I)
				ss := r.StateShape(c.B)
				ns := ss[0] * ss[1] * ss[2]
				h0 := rnnRandom(rng, ns, 0.5)
				var c0, wc []float32
				if r.Cell() == CellLSTM {
					c0, wc = rnnRandom(rng, ns, 0.5), rnnRandom(rng, ns, 1)
				}
				wo := rnnRandom(rng, c.T*c.B*r.OutputSize(), 1)
				wh := rnnRandom(rng, ns, 1)
				type result struct {
					out, hN, cN, dx, dh0, dc0 []float32
					grads                     [][]float32
				}
				run := func(table bool) result {
					r.rng = rand.New(rand.NewPCG(5, 6)) // the same dropout masks
					var out, hN, cN []float32
					var err error
					if table {
						out, hN, cN, err = r.ForwardTable(rnnClone(tableOf(x, ids, c.V, I)), c.V, ids, c.T, c.B, c.lengths, h0, c0)
					} else {
						out, hN, cN, err = r.Forward(x, c.T, c.B, c.lengths, h0, c0)
					}
					if err != nil {
						t.Fatal(err)
					}
					res := result{out: rnnClone(out), hN: rnnClone(hN), cN: rnnClone(cN)}
					ZeroGrads(r.Params())
					dx, dh0, dc0, err := r.Backward(wo, wh, wc)
					if err != nil {
						t.Fatal(err)
					}
					res.dx, res.dh0, res.dc0 = rnnClone(dx), rnnClone(dh0), rnnClone(dc0)
					for _, p := range r.Params() {
						res.grads = append(res.grads, rnnClone(p.Grad))
					}
					return res
				}
				rows, tab := run(false), run(true)
				rnnSame(t, "out", tab.out, rows.out, 0)
				rnnSame(t, "hN", tab.hN, rows.hN, 0)
				rnnSame(t, "cN", tab.cN, rows.cN, 0)
				rnnClose(t, "dh0", tab.dh0, rows.dh0, 1e-5)
				rnnClose(t, "dc0", tab.dc0, rows.dc0, 1e-5)
				for k, p := range r.Params() {
					rnnClose(t, p.Name, tab.grads[k], rows.grads[k], 1e-5)
				}
				want := make([]float32, c.V*I)
				scatterRows(want, rows.dx, ids, I)
				rnnClose(t, "dtable", tab.dx, want, 1e-5)
				// Forward afterwards is per-token again.
				again := run(false)
				rnnSame(t, "out after table mode", again.out, rows.out, 0)
				rnnSame(t, "dx after table mode", again.dx, rows.dx, 0)
			})
		}
	}
}

// tableOf returns the table [V, I] whose rows ids gathers into x: row v
// is the first row of x with id v (the tests' x is such a gather).
func tableOf(x []float32, ids []int32, V, I int) []float32 {
	tb := make([]float32, V*I)
	for i := len(ids) - 1; i >= 0; i-- {
		copy(tb[int(ids[i])*I:(int(ids[i])+1)*I], x[i*I:(i+1)*I])
	}
	return tb
}

// rnnClose fails t when got and want differ anywhere by more than tol
// times the largest magnitude of want (floor 1e-3).
func rnnClose(t *testing.T, name string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", name, len(got), len(want))
	}
	scale := 1e-3
	for _, v := range want {
		scale = math.Max(scale, math.Abs(float64(v)))
	}
	for i := range got {
		if d := math.Abs(float64(got[i] - want[i])); !(d <= tol*scale) {
			t.Fatalf("%s[%d] = %.8g, want %.8g (|diff| %.3g > %.3g)", name, i, got[i], want[i], d, tol*scale)
		}
	}
}

// TestRNNTableGradCheck compares table mode's gradients of the
// parameters, the table and the initial states with central differences.
func TestRNNTableGradCheck(t *testing.T) {
	for i, c := range []rnnTableCase{
		{RNNConfig{Cell: "lstm", InputSize: 3, HiddenSize: 4, NumLayers: 2}, 5, 4, 3, nil},
		{RNNConfig{Cell: "gru", InputSize: 3, HiddenSize: 4, NumLayers: 2}, 5, 4, 3, nil},
		{RNNConfig{Cell: "gru_cho", InputSize: 3, HiddenSize: 3, NumLayers: 1, Bidirectional: true}, 4, 5, 2, []int{5, 3}},
		{RNNConfig{Cell: "rnn_tanh", InputSize: 3, HiddenSize: 3, NumLayers: 2, Bidirectional: true, Dropout: 0.25}, 4, 5, 3, []int{3, 5, 1}},
	} {
		t.Run(c.name(), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(13, uint64(i)))
			r := mustRNN(t, rng, c.cfg)
			for _, p := range r.Params() {
				copy(p.Data, rnnRandom(rng, p.Size(), 0.8))
			}
			I := c.cfg.InputSize
			table := rnnRandom(rng, c.V*I, 1)
			ids := rnnIDs(rng, c.T*c.B, c.V)
			ss := r.StateShape(c.B)
			ns := ss[0] * ss[1] * ss[2]
			h0 := rnnRandom(rng, ns, 0.5)
			wo := rnnRandom(rng, c.T*c.B*r.OutputSize(), 1)
			wh := rnnRandom(rng, ns, 1)
			loss := func() float64 {
				r.rng = rand.New(rand.NewPCG(3, 4))
				out, hN, _, err := r.ForwardTable(table, c.V, ids, c.T, c.B, c.lengths, h0, nil)
				if err != nil {
					t.Fatal(err)
				}
				return rnnDot(out, wo) + rnnDot(hN, wh)
			}
			loss()
			ZeroGrads(r.Params())
			dtable, dh0, _, err := r.Backward(wo, wh, nil)
			if err != nil {
				t.Fatal(err)
			}
			dtable, dh0 = rnnClone(dtable), rnnClone(dh0)
			const eps, tol = 2e-3, 3e-3
			for _, p := range r.Params() {
				checkGrad(t, p.Name, p.Grad, numericGrad(loss, p.Data, eps), tol)
			}
			checkGrad(t, "table", dtable, numericGrad(loss, table, eps), tol)
			checkGrad(t, "h0", dh0, numericGrad(loss, h0, eps), tol)
		})
	}
}

// TestRNNTableErrors: bad tables and ids are errors naming the problem,
// and a failed call leaves no Forward for Backward.
func TestRNNTableErrors(t *testing.T) {
	r := mustRNN(t, rand.New(rand.NewPCG(1, 1)), RNNConfig{Cell: "lstm", InputSize: 3, HiddenSize: 4, NumLayers: 1})
	table := make([]float32, 5*3)
	for _, c := range []struct {
		table []float32
		V     int
		ids   []int32
		want  string
	}{
		{table, 5, []int32{0, 1, 2, 3, 4, 9}, "id 9 at position 5 outside"},
		{table, 5, []int32{0, 1, -1, 3, 4, 0}, "id -1 at position 2"},
		{table, 5, []int32{0, 1}, "2 ids, want T*B"},
		{table[:14], 5, []int32{0, 1, 2, 3, 4, 0}, "table has 14 values"},
		{nil, 0, []int32{0, 1, 2, 3, 4, 0}, "at least one row"},
	} {
		_, _, _, err := r.ForwardTable(c.table, c.V, c.ids, 3, 2, nil, nil, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ForwardTable(V=%d, ids %v): error %v, want one containing %q", c.V, c.ids, err, c.want)
		}
		if _, _, _, err := r.Backward(nil, nil, nil); err != ErrNoForward {
			t.Errorf("Backward after a failed ForwardTable: %v, want ErrNoForward", err)
		}
	}
}

// TestRNNTableSteadyStateAllocs: once warm, a table-mode training step
// (ForwardTable and Backward) allocates about nothing, at any T.
func TestRNNTableSteadyStateAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector inflates allocation counts")
	}
	for _, cell := range []string{"lstm", "gru"} {
		allocs := func(T int) float64 {
			rng := rand.New(rand.NewPCG(1, 2))
			const B, V, I, H = 4, 9, 8, 16
			r := mustRNN(t, rng, RNNConfig{Cell: cell, InputSize: I, HiddenSize: H, NumLayers: 2})
			table := rnnRandom(rng, V*I, 1)
			ids := rnnIDs(rng, T*B, V)
			dOut := rnnRandom(rng, T*B*H, 1)
			step := func() {
				if _, _, _, err := r.ForwardTable(table, V, ids, T, B, nil, nil, nil); err != nil {
					t.Fatal(err)
				}
				if _, _, _, err := r.Backward(dOut, nil, nil); err != nil {
					t.Fatal(err)
				}
			}
			step()
			return testing.AllocsPerRun(10, step)
		}
		if short, long := allocs(10), allocs(80); long > short+4 || long > 24 {
			t.Errorf("%s: %.0f allocations per table-mode step at T=10, %.0f at T=80; want about the same, at most 24", cell, short, long)
		}
	}
}

// scatterRows sets dst [V, n] to the sums, per id, of the rows of src
// [len(ids), n]: row v of dst is the sum of the rows i with ids[i] == v,
// added in order of i (the order gateGradSums keeps).
func scatterRows(dst, src []float32, ids []int32, n int) {
	clear(dst)
	for i, id := range ids {
		d := dst[int(id)*n : (int(id)+1)*n]
		tensor.Add(d, d, src[i*n:(i+1)*n])
	}
}

// colSums adds the column sums of m [rows, cols] to dst [cols] row by row,
// in row order (the order gateGradSums keeps).
func colSums(dst, m []float32, rows, cols int) {
	for i := 0; i < rows; i++ {
		tensor.Add(dst, dst, m[i*cols:(i+1)*cols])
	}
}

// TestGateGradSumsOrder: the bias gradients and dP of gateGradSums's one
// pass are, on 1, 2 and 3 threads, bit for bit the separate serial sums in
// row order (scatterRows, then colSums), added to gradients that already
// hold values. The data are chosen so that
// the order matters: summing the rows backwards changes some bits, which
// the test checks too, so a change of order cannot pass.
func TestGateGradSumsOrder(t *testing.T) {
	old := tensor.Threads()
	defer tensor.SetThreads(old)
	for _, cell := range []string{"lstm", "gru"} {
		for _, table := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/table=%v", cell, table), func(t *testing.T) {
				const T, B, H, V = 23, 13, 80, 17
				rng := rand.New(rand.NewPCG(5, 6))
				r := mustRNN(t, rng, RNNConfig{Cell: cell, InputSize: 8, HiddenSize: H, NumLayers: 1})
				r.alloc(T, B)
				GH, rows := r.g*H, T*B
				dir := r.dirs[0]
				dg := rnnRandom(rng, rows*GH, 1)
				for i := range dg { // magnitudes 1e-3..1e3: rounding depends on order
					dg[i] *= float32(math.Pow(10, 6*rng.Float64()-3))
				}
				dgh := dg
				if cell == "gru" {
					dgh = rnnRandom(rng, rows*GH, 100)
				}
				bih0, bhh0 := rnnRandom(rng, GH, 10), rnnRandom(rng, GH, 10)
				if table {
					r.tableV, r.ids = V, rnnIDs(rng, rows, V)
				}
				// The reference: the serial passes in row order.
				wantP := make([]float32, V*GH)
				wantIh, wantHh := rnnClone(bih0), rnnClone(bhh0)
				if table {
					scatterRows(wantP, dg, r.ids, GH)
					colSums(wantIh, wantP, V, GH)
				} else {
					colSums(wantIh, dg, rows, GH)
				}
				colSums(wantHh, dgh, rows, GH)
				for _, threads := range []int{1, 2, 3} {
					tensor.SetThreads(threads)
					dir.dg, dir.dgh = dg, dgh
					dir.p = rnnRandom(rng, V*GH, 1) // stale values to be replaced
					copy(dir.bih.Grad, bih0)
					copy(dir.bhh.Grad, bhh0)
					r.gateGradSums(dir, table)
					same := func(name string, got, want []float32) {
						for i := range want {
							if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
								t.Fatalf("%d threads: %s[%d] = %v, want %v (row order)", threads, name, i, got[i], want[i])
							}
						}
					}
					same("bias_ih grad", dir.bih.Grad, wantIh)
					same("bias_hh grad", dir.bhh.Grad, wantHh)
					if table {
						same("dP", dir.p, wantP)
					}
				}
				// Backwards, the sums differ: the order is what is tested.
				back := rnnClone(bhh0)
				for i := rows - 1; i >= 0; i-- {
					tensor.Add(back, back, dgh[i*GH:(i+1)*GH])
				}
				differ := false
				for i := range back {
					differ = differ || back[i] != wantHh[i]
				}
				if !differ {
					t.Fatal("summing the rows backwards gives the same bits: the data do not test the order")
				}
			})
		}
	}
}
