package bench

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestResultText(t *testing.T) {
	var b strings.Builder
	GemmResult{M: 2, N: 3, K: 4, TransB: true, Threads: 1, Kernel: "generic", GFLOPS: 1.25, GFLOPSMedian: 1, GFLOPSCPU: 0.5, Samples: 3, CallsPer: 7}.WriteText(&b)
	want := "sgemm m=2 n=3 k=4 transA=false transB=true threads=1 kernel=generic: best 1.2 GFLOP/s, median 1.0 GFLOP/s, per CPU-second x threads 0.5 GFLOP/s (3 samples of 7 calls)\n"
	if b.String() != want {
		t.Errorf("GemmResult text\n%q, want\n%q", b.String(), want)
	}
	b.Reset()
	r := RNNResult{RNNConfig: RNNConfig{Mode: "sample", Cell: "gru", Hidden: 8, Layers: 2, Batch: 1, SeqLen: 5, Vocab: 65, Threads: 2},
		TokensPerSec: 1234.4, TokensPerCPUSec: 999.6, GFLOPS: 0.04, Tokens: 100, Elapsed: 0.081}
	r.WriteText(&b)
	want = "sample gru H=8 L=2 B=1 T=5 V=65 threads=2: 1234 tokens/s (1000 per CPU-second x threads), 0.0 GFLOP/s, 100 tokens in 0.08s\n"
	if b.String() != want {
		t.Errorf("RNNResult text\n%q, want\n%q", b.String(), want)
	}
}

func TestStartCPUProfile(t *testing.T) {
	stop, err := StartCPUProfile("")
	if err != nil {
		t.Fatal(err)
	}
	stop()
	path := filepath.Join(t.TempDir(), "cpu.prof")
	if stop, err = StartCPUProfile(path); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 1e6; i++ {
		_ = strings.Repeat("x", i%3)
	}
	stop()
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		t.Errorf("profile %s: %v", path, err)
	}
	if _, err := StartCPUProfile(filepath.Join(t.TempDir(), "no", "such", "dir")); err == nil {
		t.Errorf("a profile in a missing directory: nil error")
	}
}
