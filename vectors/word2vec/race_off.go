//go:build !race

package word2vec

// raceEnabled is false in normal builds: workers update the shared weight
// matrices without locks (Hogwild).
const raceEnabled = false
