package nn

// Snapshot copies the parameters' data into dst (one slice per parameter,
// in order), reusing dst's storage when it is large enough, and returns it.
// A nil dst is allocated. Trainers use it to keep the best parameters seen
// on development data.
func Snapshot(ps []*Param, dst [][]float32) [][]float32 {
	if dst == nil {
		dst = make([][]float32, len(ps))
	}
	for i, p := range ps {
		dst[i] = append(dst[i][:0], p.Data...)
	}
	return dst
}

// Restore copies a Snapshot of the same parameters back into their data.
func Restore(ps []*Param, src [][]float32) {
	for i, p := range ps {
		copy(p.Data, src[i])
	}
}

// WithData returns parameters with the names and shapes of ps whose Data
// is data[i] (shared, not copied), e.g. to save a Snapshot under the
// parameters' names. Grad is nil.
func WithData(ps []*Param, data [][]float32) []*Param {
	out := make([]*Param, len(ps))
	for i, p := range ps {
		out[i] = &Param{Name: p.Name, Shape: p.Shape, Data: data[i]}
	}
	return out
}
