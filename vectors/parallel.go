package vectors

import (
	"sync"

	"github.com/recurrent-go/recurrent/tensor"
)

// parallelFor calls f(i) for i in [0, n) on up to tensor.Threads() goroutines.
func parallelFor(n int, f func(i int)) {
	workers := min(tensor.Threads(), n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for w := 0; w < workers; w++ {
		lo, hi := w*chunk, min(n, (w+1)*chunk)
		if lo >= hi {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				f(i)
			}
		}()
	}
	wg.Wait()
}
