package xslices

// Gather appends src[i] for each i of idx, in order, to dst and returns
// the extended slice: a batch's items picked from a data set, into a
// buffer reused across batches (pass buf[:0]).
func Gather[T any](dst, src []T, idx []int) []T {
	for _, i := range idx {
		dst = append(dst, src[i])
	}
	return dst
}
