package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Initialisers fill a parameter's data in place from a caller-seeded
// generator, so a run is reproducible from its seed. Matrices are row-major
// [rows, cols] as PyTorch stores them: fan-in is cols, fan-out rows.

// InitZeros sets every element to 0.
func InitZeros(x []float32) { clear(x) }

// InitUniform draws every element from uniform(-a, a).
func InitUniform(rng *rand.Rand, x []float32, a float64) {
	for i := range x {
		x[i] = float32((2*rng.Float64() - 1) * a)
	}
}

// InitPyTorchDefault draws from uniform(-1/sqrt(fan), 1/sqrt(fan)), PyTorch's
// default for Linear (fan = in_features) and for every RNN, GRU and LSTM
// parameter (fan = hidden_size).
func InitPyTorchDefault(rng *rand.Rand, x []float32, fan int) {
	if fan <= 0 {
		InitZeros(x)
		return
	}
	InitUniform(rng, x, 1/math.Sqrt(float64(fan)))
}

// InitNormal draws every element from N(mean, std^2).
func InitNormal(rng *rand.Rand, x []float32, mean, std float64) {
	for i := range x {
		x[i] = float32(mean + std*rng.NormFloat64())
	}
}

// InitXavierUniform is Glorot uniform: uniform(-a, a) with
// a = gain * sqrt(6 / (fanIn + fanOut)).
func InitXavierUniform(rng *rand.Rand, x []float32, fanIn, fanOut int, gain float64) {
	InitUniform(rng, x, gain*math.Sqrt(6/float64(fanIn+fanOut)))
}

// InitXavierNormal is Glorot normal: N(0, std^2) with
// std = gain * sqrt(2 / (fanIn + fanOut)).
func InitXavierNormal(rng *rand.Rand, x []float32, fanIn, fanOut int, gain float64) {
	InitNormal(rng, x, 0, gain*math.Sqrt(2/float64(fanIn+fanOut)))
}

// InitOrthogonal fills x, a [rows, cols] matrix, with a (semi-)orthogonal
// matrix times gain, as torch.nn.init.orthogonal_: the rows are orthonormal
// when rows <= cols, the columns when rows >= cols. It orthonormalises a
// Gaussian matrix by modified Gram-Schmidt in float64, which gives the Q of
// a QR factorisation with positive diagonal R (PyTorch's sign convention).
func InitOrthogonal(rng *rand.Rand, x []float32, rows, cols int, gain float64) error {
	if rows <= 0 || cols <= 0 || len(x) != rows*cols {
		return fmt.Errorf("nn: InitOrthogonal: %d values for a %dx%d matrix", len(x), rows, cols)
	}
	// Work on the tall orientation: n vectors of length m, n <= m.
	m, n := rows, cols
	if rows < cols {
		m, n = cols, rows
	}
	q := make([]float64, n*m) // q[j*m:(j+1)*m] is vector j
	for i := range q {
		q[i] = rng.NormFloat64()
	}
	for j := 0; j < n; j++ {
		v := q[j*m : (j+1)*m]
		// Two passes of projection keep float64 orthogonality at ~1e-16.
		for pass := 0; pass < 2; pass++ {
			for k := 0; k < j; k++ {
				u := q[k*m : (k+1)*m]
				var d float64
				for i := range v {
					d += u[i] * v[i]
				}
				for i := range v {
					v[i] -= d * u[i]
				}
			}
		}
		var s float64
		for _, e := range v {
			s += e * e
		}
		s = math.Sqrt(s)
		if s < 1e-12 { // degenerate draw (probability ~0): redraw this vector
			for i := range v {
				v[i] = rng.NormFloat64()
			}
			j--
			continue
		}
		for i := range v {
			v[i] /= s
		}
	}
	for j := 0; j < n; j++ {
		for i := 0; i < m; i++ {
			val := float32(gain * q[j*m+i])
			if rows >= cols {
				x[i*cols+j] = val // vector j is column j
			} else {
				x[j*cols+i] = val // vector j is row j
			}
		}
	}
	return nil
}

// InitOrthogonalBlocks treats x, [gates*h, cols], as gates stacked blocks of
// [h, cols] (for example a recurrent weight_hh [4H, H] of an LSTM) and makes
// each block orthogonal separately.
func InitOrthogonalBlocks(rng *rand.Rand, x []float32, gates, h, cols int, gain float64) error {
	if gates <= 0 || len(x) != gates*h*cols {
		return fmt.Errorf("nn: InitOrthogonalBlocks: %d values for %d blocks of %dx%d", len(x), gates, h, cols)
	}
	for g := 0; g < gates; g++ {
		if err := InitOrthogonal(rng, x[g*h*cols:(g+1)*h*cols], h, cols, gain); err != nil {
			return err
		}
	}
	return nil
}

// SetForgetBias sets the forget-gate block of an LSTM bias [4H] (gate order
// i, f, g, o, so elements [H, 2H)) to v. PyTorch adds bias_ih and bias_hh,
// so the effective forget bias is the sum of both; set one and zero the
// other's block for an exact value.
func SetForgetBias(bias []float32, h int, v float32) error {
	if len(bias) != 4*h {
		return fmt.Errorf("nn: SetForgetBias: bias has %d values, want 4*%d", len(bias), h)
	}
	for i := h; i < 2*h; i++ {
		bias[i] = v
	}
	return nil
}
