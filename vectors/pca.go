package vectors

import (
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// PCA returns the first k principal components of the n rows of data
// ([n, d], row-major) after subtracting their mean: comps holds k unit rows
// of length d ([k, d]) in order of decreasing variance, and variances the
// matching eigenvalues of the covariance (divided by n-1, like numpy's and
// scikit-learn's PCA). The sign of each component is fixed so that its
// largest-magnitude coordinate is positive.
func PCA(data []float32, n, d, k int) (comps []float32, variances []float64, err error) {
	if n < 1 || d < 1 || len(data) != n*d {
		return nil, nil, fmt.Errorf("pca: %d values are not %d rows of %d", len(data), n, d)
	}
	if k < 1 || k > d {
		return nil, nil, fmt.Errorf("pca: %d components requested from dimension %d", k, d)
	}
	mean := make([]float64, d)
	for i := 0; i < n; i++ {
		for j, x := range data[i*d : (i+1)*d] {
			mean[j] += float64(x)
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	centered := mat.NewDense(n, d, nil)
	for i := 0; i < n; i++ {
		for j, x := range data[i*d : (i+1)*d] {
			centered.Set(i, j, float64(x)-mean[j])
		}
	}
	cov := mat.NewSymDense(d, nil)
	cov.SymOuterK(1/float64(max(1, n-1)), centered.T())
	var eig mat.EigenSym
	if !eig.Factorize(cov, true) {
		return nil, nil, fmt.Errorf("pca: eigendecomposition of the %dx%d covariance failed", d, d)
	}
	vals := eig.Values(nil) // ascending
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	comps = make([]float32, k*d)
	variances = make([]float64, k)
	for c := 0; c < k; c++ {
		col := d - 1 - c
		variances[c] = max(0, vals[col])
		big, sign := 0.0, 1.0
		for j := 0; j < d; j++ {
			if v := vecs.At(j, col); v*v > big {
				big = v * v
				if v < 0 {
					sign = -1
				} else {
					sign = 1
				}
			}
		}
		for j := 0; j < d; j++ {
			comps[c*d+j] = float32(sign * vecs.At(j, col))
		}
	}
	return comps, variances, nil
}
