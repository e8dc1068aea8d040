//go:build race

package word2vec

// raceEnabled is true under the race detector. Hogwild training races on the
// weight matrices by design (lost updates are rare and harmless), which the
// detector would report, so race builds train with a single worker; the
// producer, progress and cancellation goroutines still run and are checked.
const raceEnabled = true
