package bench

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/recurrent-go/recurrent/lm"
)

// FlipConfig is a batching flip count: Samples samples of Length tokens
// from CharLSTM(Hidden), each generated alone (lm.Model.Sample's exact path) and
// in batches of Batch (lm.Batch, as the server steps them), at temperature
// 0.8 after the prompt "ROMEO:", sample i with seed i.
type FlipConfig struct {
	Samples, Length, Hidden, Batch int
}

// FlipReport counts the samples where batching changed a token (float32
// rounding of another product shape).
type FlipReport struct {
	FlipConfig
	// Differ is the number of samples that differ from the lone run;
	// FirstSum sums, over them, the index of the first differing token.
	Differ, FirstSum int
	// Alone and Batched are the times of the two runs.
	Alone, Batched time.Duration
	// Load is the load average at the end.
	Load string
}

// WriteText writes the count and the times.
func (f FlipReport) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "batching flips, LSTM 2x%d, %d samples of %d tokens at temperature 0.8, batches of %d: %d samples differ from the lone run (%.2f%%)",
		f.Hidden, f.Samples, f.Length, f.Batch, f.Differ, 100*float64(f.Differ)/float64(f.Samples))
	if f.Differ > 0 {
		fmt.Fprintf(w, ", first differing token at %.1f on average", float64(f.FirstSum)/float64(f.Differ))
	}
	_, err := fmt.Fprintf(w, "\n  (alone %.1f s, batched %.1f s, in-process; load average %s)\n", f.Alone.Seconds(), f.Batched.Seconds(), f.Load)
	return err
}

// FlipCount generates the samples alone and batched and counts those whose
// tokens differ.
func FlipCount(ctx context.Context, c FlipConfig) (FlipReport, error) {
	r := FlipReport{FlipConfig: c}
	if c.Samples < 1 || c.Batch < 1 || c.Length < 1 {
		return r, fmt.Errorf("bench: flip count: samples %d, batch %d and length %d must be >= 1", c.Samples, c.Batch, c.Length)
	}
	m, err := CharLSTM(c.Hidden)
	if err != nil {
		return r, err
	}
	opt, err := flipOptions(m, c.Length)
	if err != nil {
		return r, err
	}
	t0 := time.Now()
	alone, err := sampleBatched(ctx, m, opt, c.Samples, 1)
	if err != nil {
		return r, err
	}
	r.Alone = time.Since(t0)
	t0 = time.Now()
	batched, err := sampleBatched(ctx, m, opt, c.Samples, c.Batch)
	if err != nil {
		return r, err
	}
	r.Batched = time.Since(t0)
	for i := range alone {
		if k := firstDiff(alone[i], batched[i]); k >= 0 {
			r.Differ++
			r.FirstSum += k
		}
	}
	r.Load = loadAverage()
	return r, nil
}

// flipOptions returns the options of sample i: length tokens after the
// prompt "ROMEO:" at temperature 0.8, seed i.
func flipOptions(m *lm.Model, length int) (func(i int) lm.SampleOptions, error) {
	prompt, err := m.EncodePrompt("ROMEO:")
	if err != nil {
		return nil, err
	}
	return func(i int) lm.SampleOptions {
		return lm.SampleOptions{Prompt: prompt, MaxTokens: length, Seed: uint64(i), Temperature: 0.8}
	}, nil
}

// sampleBatched generates n samples from m with an lm.Batch of size,
// stepping together the streams of each group of size until all are done.
func sampleBatched(ctx context.Context, m *lm.Model, opt func(int) lm.SampleOptions, n, size int) ([][]int32, error) {
	b, err := m.NewBatch(size)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	emitted := make([]int32, size)
	var out [][]int32
	for lo := 0; lo < n; lo += size {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var ss []*lm.Stream
		for i := lo; i < min(lo+size, n); i++ {
			s, err := b.NewStream(opt(i))
			if err != nil {
				return nil, err
			}
			ss = append(ss, s)
		}
		all := slices.Clone(ss)
		for len(ss) > 0 {
			if err := b.Step(ss, emitted); err != nil {
				return nil, err
			}
			ss = slices.DeleteFunc(ss, (*lm.Stream).Done)
		}
		for _, s := range all {
			out = append(out, slices.Clone(s.Tokens()))
		}
	}
	return out, nil
}

// firstDiff returns the index of the first token where a and b differ
// (the shorter length when one is a prefix of the other), or -1 when they
// are equal.
func firstDiff(a, b []int32) int {
	if slices.Equal(a, b) {
		return -1
	}
	k := 0
	for k < min(len(a), len(b)) && a[k] == b[k] {
		k++
	}
	return k
}
