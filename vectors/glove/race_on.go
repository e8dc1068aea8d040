//go:build race

package glove

// raceEnabled is true under the race detector. Hogwild training races on
// the parameters by design, which the detector would report, so race builds
// train with a single worker; progress and cancellation stay checked.
const raceEnabled = true
