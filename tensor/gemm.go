package tensor

import (
	"fmt"

	"github.com/recurrent-go/recurrent/tensor/internal/gemm"
)

// Sgemm computes C = alpha*op(A)*op(B) + beta*C for row-major matrices,
// where op(A) is m x k, op(B) is k x n and C is m x n. op(X) is X, or its
// transpose when the matching trans flag is set. lda, ldb and ldc are the
// leading dimensions (row strides) of the matrices as stored. When beta is 0,
// C is overwritten without being read, so it may hold NaNs.
//
// The product runs on a packed, cache-blocked kernel (AVX-512 or AVX2+FMA
// assembly when the CPU has it, pure Go with the purego build tag or on
// other architectures), with a matrix-vector path for m == 1 or n == 1, on
// up to Threads() goroutines.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkGemm(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	gemm.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, Threads())
}

// storedShape returns the rows and columns of the matrix stored for an
// operand op(X) of rows x cols: X itself, or X^T when trans is set.
func storedShape(trans bool, rows, cols int) (r, c int) {
	if trans {
		return cols, rows
	}
	return rows, cols
}

func checkGemm(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("tensor: Sgemm negative dimension m=%d n=%d k=%d", m, n, k))
	}
	ar, ac := storedShape(transA, m, k)
	br, bc := storedShape(transB, k, n)
	need := func(name string, rows, cols, ld, have int) {
		if rows == 0 || cols == 0 {
			return
		}
		if ld < cols {
			panic(fmt.Sprintf("tensor: Sgemm %s is %dx%d but leading dimension is %d", name, rows, cols, ld))
		}
		if have < (rows-1)*ld+cols {
			panic(fmt.Sprintf("tensor: Sgemm %s is %dx%d with leading dimension %d: needs %d elements, has %d", name, rows, cols, ld, (rows-1)*ld+cols, have))
		}
	}
	need("A", ar, ac, lda, len(a))
	need("B", br, bc, ldb, len(b))
	need("C", m, n, ldc, len(c))
}

// sgemmRef is the simple reference implementation.
func sgemmRef(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float32
			for p := 0; p < k; p++ {
				var av, bv float32
				if transA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if transB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += av * bv
			}
			if beta == 0 {
				c[i*ldc+j] = alpha * s
			} else {
				c[i*ldc+j] = alpha*s + beta*c[i*ldc+j]
			}
		}
	}
}

// GemmKernels names the Sgemm kernel sets usable on this CPU, fastest
// first. On amd64 these are "avx512" (14x32 or 8x48 register tiles, picked
// per call by shape), "avx512-8x48" (that tile only), "avx2" (6x16 or 4x24),
// "avx2-4x24" and "generic"; with the purego build tag or on other
// architectures only "generic", the pure-Go kernel.
func GemmKernels() []string { return gemm.Impls() }

// GemmKernel names the kernel set Sgemm uses.
func GemmKernel() string { return gemm.Impl() }

// SetGemmKernel makes Sgemm use the kernel set called name, one of
// GemmKernels; it is meant for benchmarks and must not be called while
// Sgemm runs.
func SetGemmKernel(name string) error {
	if !gemm.Use(name) {
		return fmt.Errorf("tensor: unknown GEMM kernel %q (have %v)", name, gemm.Impls())
	}
	return nil
}
