//go:build race

package checkpoint

// raceEnabled is true under the race detector, whose sync.Pool drops
// pooled buffers at random: allocation bounds do not hold there.
const raceEnabled = true
