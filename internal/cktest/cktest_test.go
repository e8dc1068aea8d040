package cktest

import (
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/recurrent-go/recurrent/checkpoint"
)

// recorder is a testing.TB that records a failure instead of failing.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) Fatal(...any)          { r.failed = true; runtime.Goexit() }
func (r *recorder) Fatalf(string, ...any) { r.failed = true; runtime.Goexit() }

// fails reports whether CheckFinite fails on dir.
func fails(dir string) bool {
	r := &recorder{}
	var wg sync.WaitGroup
	wg.Go(func() { CheckFinite(r, dir) })
	wg.Wait()
	return r.failed
}

func TestCheckFinite(t *testing.T) {
	write := func(dir, name string, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tensors := func(dir string, v float32) {
		ts := map[string]checkpoint.Tensor{"w": {Shape: []int{3}, Data: []float32{1, v, -2}}}
		if err := checkpoint.WriteSafetensorsFile(filepath.Join(dir, "model.safetensors"), ts, nil); err != nil {
			t.Fatal(err)
		}
	}
	ok := t.TempDir()
	tensors(ok, 0.5)
	write(ok, "state.json", []byte(`{"loss": 1.5}`))
	if fails(ok) {
		t.Error("a finite checkpoint failed")
	}
	if fails(filepath.Join(ok, "missing")) {
		t.Error("a missing directory failed")
	}
	for _, v := range []float32{float32(math.NaN()), float32(math.Inf(-1))} {
		bad := t.TempDir()
		tensors(bad, v)
		if !fails(bad) {
			t.Errorf("a tensor holding %v passed", v)
		}
	}
	bad := t.TempDir()
	write(bad, "state.json", []byte(`{"loss": NaN}`))
	if !fails(bad) {
		t.Error("a JSON file spelling NaN passed")
	}
}
