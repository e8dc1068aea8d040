// Package parts hands out the numbered parts of one parallel call to the
// goroutines that share it, for tensor.Team and the GEMM worker pool.
package parts

import "sync/atomic"

// Counter is the claim state of the current call, generation<<32 |
// parts<<16 | next unclaimed part, in one word: a goroutine reads the
// generation and its bounds at once, parts are claimed by compare-and-swap,
// and a goroutine that arrives after the call is over (the generation has
// moved on) finds nothing to claim. The zero Counter is generation 0 with
// no parts.
type Counter struct {
	v atomic.Uint64
}

// Start publishes generation gen with n parts (n < 1<<16), none claimed.
func (c *Counter) Start(gen uint32, n int) {
	c.v.Store(uint64(gen)<<32 | uint64(n)<<16)
}

// Claim takes the next unclaimed part of generation gen, if any.
func (c *Counter) Claim(gen uint32) (int, bool) {
	for {
		v := c.v.Load()
		next, n := int(v&0xffff), int(v>>16&0xffff)
		if uint32(v>>32) != gen || next >= n {
			return 0, false
		}
		if c.v.CompareAndSwap(v, v+1) {
			return next, true
		}
	}
}

// Gen returns the current generation and whether it has unclaimed parts.
func (c *Counter) Gen() (gen uint32, pending bool) {
	v := c.v.Load()
	return uint32(v >> 32), int(v&0xffff) < int(v>>16&0xffff)
}
