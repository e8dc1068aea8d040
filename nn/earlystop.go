package nn

// EarlyStopping is the model-selection bookkeeping of a trainer that scores
// the model on development data after each epoch: it keeps a Snapshot of
// the parameters at the best evaluation, counts the evaluations since then
// and says when to stop. The zero value is ready to use; trainers save Bad
// and Stopped in their checkpoints and Best as the model's parameters.
type EarlyStopping struct {
	// Best is the Snapshot of the parameters at the best evaluation so far
	// (nil before the first one).
	Best [][]float32
	// Bad counts the evaluations since the best one.
	Bad int
	// Stopped is set once Bad reaches the patience.
	Stopped bool
}

// Observe records an evaluation of the parameters ps. When improved (the
// caller decides what is better) it snapshots ps into Best and resets Bad;
// otherwise it counts one more bad evaluation and sets Stopped when Bad
// reaches patience (0: never stop).
func (e *EarlyStopping) Observe(improved bool, patience int, ps []*Param) {
	if improved {
		e.Best, e.Bad = Snapshot(ps, e.Best), 0
		return
	}
	e.Bad++
	if patience > 0 && e.Bad >= patience {
		e.Stopped = true
	}
}

// RestoreBest copies the best parameters into ps; without a best
// evaluation it leaves them unchanged.
func (e *EarlyStopping) RestoreBest(ps []*Param) {
	if e.Best != nil {
		Restore(ps, e.Best)
	}
}

// BestParams returns the parameters to save as the model: ps with the
// data of Best (shared, see WithData), or ps itself before any best
// evaluation.
func (e *EarlyStopping) BestParams(ps []*Param) []*Param {
	if e.Best == nil {
		return ps
	}
	return WithData(ps, e.Best)
}
