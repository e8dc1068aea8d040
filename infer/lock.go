package infer

import (
	"context"
	"sync"
)

// modelLock serializes the calls that share a model's working memory. A
// caller waiting for it gives up when its context ends: a request queued
// behind another's long work leaves at its deadline instead of waiting
// (and holding its place in a server's queue) until the lock is free.
// The zero value is unlocked.
type modelLock struct {
	once sync.Once
	ch   chan struct{} // holds a token while locked
}

func (m *modelLock) sem() chan struct{} {
	m.once.Do(func() { m.ch = make(chan struct{}, 1) })
	return m.ch
}

// lock takes the lock, or returns ctx's error if ctx ends first.
func (m *modelLock) lock(ctx context.Context) error {
	select {
	case m.sem() <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (m *modelLock) unlock() { <-m.sem() }

// locked returns f's results, called holding mu, or ctx's error (f not
// called) if ctx ends while it waits for mu.
func locked[R any](ctx context.Context, mu *modelLock, f func() (R, error)) (R, error) {
	if err := mu.lock(ctx); err != nil {
		var zero R
		return zero, err
	}
	defer mu.unlock()
	return f()
}
