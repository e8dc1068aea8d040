package tensor

import "github.com/recurrent-go/recurrent/tensor/internal/gemm"

// PackedMat is a matrix op(B) [K, N] packed once into the GEMM kernel's
// internal layout, for many products C = op(A)·B with different A and the
// same B (an RNN's recurrent weights times the state of each time step):
// Sgemm would repack B on every call. The zero value is empty; Pack fills
// it, reusing its storage. The packed copy does not follow later changes
// to B: pack again after updating it.
//
// A PackedMat is immutable once packed, so it is safe for concurrent use.
type PackedMat struct {
	p      gemm.PackedB
	packed bool
}

// Pack packs op(B) [k, n] (B stored row-major with leading dimension ldb;
// its transpose when transB) for products whose A has about m rows.
func (pm *PackedMat) Pack(transB bool, k, n int, b []float32, ldb int, m int) {
	checkGemm(false, transB, 0, n, k, nil, 0, b, ldb, nil, 0)
	pm.p.Pack(transB, k, n, b, ldb, m)
	pm.packed = true
}

// PackShared is Pack on up to Threads() goroutines (the GEMM's workers),
// each packing whole panels of columns: the packed matrix is the same.
// Inside a computation already shared out (a Team's part), use Pack.
func (pm *PackedMat) PackShared(transB bool, k, n int, b []float32, ldb int, m int) {
	checkGemm(false, transB, 0, n, k, nil, 0, b, ldb, nil, 0)
	pm.p.PackThreads(transB, k, n, b, ldb, m, Threads())
	pm.packed = true
}

// SgemmPacked computes C = alpha*op(A)*B + beta*C, op(A) m x k (A, or its
// transpose when transA), B the k x n matrix packed in b, C m x n, on up to
// Threads() goroutines. When beta is 0, C is not read. It equals
// Sgemm(transA, transB, m, n, k, alpha, a, lda, B, ldb, beta, c, ldc) for
// the B, transB, ldb given to Pack, up to rounding.
func SgemmPacked(transA bool, m int, alpha float32, a []float32, lda int, b *PackedMat, beta float32, c []float32, ldc int) {
	sgemmPacked(transA, m, alpha, a, lda, b, beta, c, ldc, Threads())
}

// SgemmPackedSerial is SgemmPacked on the calling goroutine alone, for
// callers that already share a computation out over goroutines (a Team's
// parts). The results are bit-identical to SgemmPacked's, and those of a
// PackedMat holding some columns of B to the same columns of the whole:
// each element of C is summed over k in the same order whatever the
// columns and threads.
func SgemmPackedSerial(transA bool, m int, alpha float32, a []float32, lda int, b *PackedMat, beta float32, c []float32, ldc int) {
	sgemmPacked(transA, m, alpha, a, lda, b, beta, c, ldc, 1)
}

func sgemmPacked(transA bool, m int, alpha float32, a []float32, lda int, b *PackedMat, beta float32, c []float32, ldc int, threads int) {
	if !b.packed {
		panic("tensor: SgemmPacked with an unpacked PackedMat")
	}
	k, n := b.p.K(), b.p.N()
	checkGemm(transA, false, m, 0, k, a, lda, nil, 0, nil, 0) // A
	checkGemm(false, false, m, n, 0, nil, 0, nil, 0, c, ldc)  // C
	if m == 0 || n == 0 {
		return
	}
	gemm.SgemmPacked(transA, m, alpha, a, lda, &b.p, beta, c, ldc, threads)
}
