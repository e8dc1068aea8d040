//go:build race

package nn

// raceEnabled reports whether the race detector is on; it inflates
// allocation counts, so allocation tests skip under it.
const raceEnabled = true
