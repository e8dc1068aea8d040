// Package tensor holds recurrent's float32 numerical kernels: dense row-major
// matrices, general matrix multiplication (Sgemm) and the vector kernels the
// layers are built from.
//
// Every matrix is row-major with an explicit leading dimension (stride), so a
// view into a larger buffer costs nothing. All kernels work on float32, except
// the int8 products of quantized inference (Int8Matrix, Int8Batch).
package tensor
