//go:build !race

package glove

// raceEnabled is false in normal builds: workers update the shared weight
// matrices without locks (Hogwild).
const raceEnabled = false
