package infer

// SetMaxScoreLogits sets maxScoreLogits for a test and returns the undo.
func SetMaxScoreLogits(n int) (undo func()) {
	old := maxScoreLogits
	maxScoreLogits = n
	return func() { maxScoreLogits = old }
}

// ScoreGroups is scoreGroups, for tests.
var ScoreGroups = scoreGroups
