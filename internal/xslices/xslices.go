// Package xslices holds the slice helpers the packages' working buffers
// share.
package xslices

// Resize returns s resliced to n elements when its capacity allows, else a
// new zeroed slice of n elements. The contents are unspecified either way
// (a reused buffer keeps its old values): it is for working memory that
// is overwritten, kept between calls so hot loops allocate only when a
// larger size is first seen.
func Resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}
