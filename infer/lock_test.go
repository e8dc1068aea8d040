package infer

import (
	"context"
	"errors"
	"testing"
)

// TestLocked: locked calls f holding the lock and frees it after, also
// when f panics; a call whose context ends while the lock is held
// returns the context's error without calling f.
func TestLocked(t *testing.T) {
	var mu modelLock
	held := func() bool {
		select {
		case mu.sem() <- struct{}{}:
			<-mu.sem()
			return false
		default:
			return true
		}
	}
	got, err := locked(context.Background(), &mu, func() (int, error) {
		if !held() {
			t.Error("f ran without the lock")
		}
		return 7, nil
	})
	if got != 7 || err != nil || held() {
		t.Fatalf("locked: %d, %v, held after: %v; want 7, nil, false", got, err, held())
	}
	func() {
		defer func() { recover() }()
		locked(context.Background(), &mu, func() (int, error) { panic("f") })
	}()
	if held() {
		t.Fatal("the lock is still held after f panicked")
	}
	if err := mu.lock(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	called := false
	if _, err := locked(ctx, &mu, func() (int, error) { called = true; return 0, nil }); !errors.Is(err, context.Canceled) || called {
		t.Errorf("waiting with an ended context: %v, f called %v; want context.Canceled, f not called", err, called)
	}
	mu.unlock()
}
