package text

import (
	"math"
	"testing"
)

// A BPTT length beyond the streams (--bptt 1e12, or math.MaxInt) gives
// one chunk of the whole stream: NumChunks must not overflow, and Steps,
// the chunk buffers' length, is the stream's L-1, not T.
func TestStreamBatcherHugeBPTT(t *testing.T) {
	ids := make([]int32, 20)
	for i := range ids {
		ids[i] = int32(i)
	}
	for _, bptt := range []int{9, 10, 1e12, math.MaxInt} {
		s, err := NewStreamBatcher(ids, 2, bptt)
		if err != nil {
			t.Fatal(err)
		}
		if s.NumChunks() != 1 || s.Steps() != 9 {
			t.Errorf("bptt %d: %d chunks of up to %d steps, want 1 of 9", bptt, s.NumChunks(), s.Steps())
			continue
		}
		x, y := make([]int32, s.Steps()*2), make([]int32, s.Steps()*2)
		if n := s.Chunk(0, x, y); n != 9 || x[0] != 0 || x[1] != 10 || y[16] != 9 || y[17] != 19 {
			t.Errorf("bptt %d: chunk of %d steps, x %v, y %v", bptt, n, x, y)
		}
	}
	s, _ := NewStreamBatcher(ids, 2, 4)
	if s.NumChunks() != 3 || s.Steps() != 4 {
		t.Errorf("bptt 4: %d chunks of up to %d steps, want 3 of 4", s.NumChunks(), s.Steps())
	}
}
