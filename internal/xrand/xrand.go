// Package xrand is the small, fast, seedable generator the embedding trainers
// give each worker: xorshift64* seeded through splitmix64, so nearby seeds
// and streams give unrelated sequences and single-threaded runs repeat.
package xrand

// RNG is a xorshift64* generator. Its zero value is not usable; use New.
type RNG struct{ s uint64 }

// New returns the generator for stream number stream of seed.
func New(seed, stream uint64) RNG {
	z := seed + 0x9e3779b97f4a7c15*(stream+1)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	z ^= z >> 31
	if z == 0 {
		z = 1
	}
	return RNG{z}
}

// Next returns 64 random bits.
func (r *RNG) Next() uint64 {
	x := r.s
	x ^= x >> 12
	x ^= x << 25
	x ^= x >> 27
	r.s = x
	return x * 2685821657736338717
}

// Float32 returns a uniform value in [0, 1).
func (r *RNG) Float32() float32 { return float32(r.Next()>>40) / (1 << 24) }

// Intn returns a uniform value in [0, n) for 0 < n < 2^32.
func (r *RNG) Intn(n int) int { return int((r.Next() >> 32) * uint64(n) >> 32) }
