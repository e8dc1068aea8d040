// Package workers runs the embedding trainers' worker goroutines (word2vec
// and GloVe) while their progress is reported at a steady rate.
package workers

import (
	"sync"
	"time"
)

// Run calls work(i) for i in [0, n) on n goroutines and returns when all
// of them have returned; meanwhile it calls tick, on the calling
// goroutine, every period.
func Run(n int, period time.Duration, tick func(), work func(i int)) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			work(i)
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			tick()
		}
	}
}
