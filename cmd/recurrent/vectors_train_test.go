package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/vectors"
	"github.com/recurrent-go/recurrent/vectors/trainer"
)

func TestVectorsTrainCLI(t *testing.T) {
	dir := t.TempDir()
	corpus := filepath.Join(dir, "corpus.txt")
	var sb strings.Builder
	for i := range 300 {
		g := i % 3
		for k := range 8 {
			fmt.Fprintf(&sb, "t%dw%d ", g, (i+k)%6)
		}
		sb.WriteString("\n")
	}
	if err := os.WriteFile(corpus, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, method := range []string{"skipgram", "cbow", "glove"} {
		out := filepath.Join(dir, method+".vec")
		stdout, err := runCLIIn(t, "", "vectors", "train", "--method", method, "--corpus", corpus, "--out", out,
			"--dim", "8", "--window", "3", "--min-count", "1", "--epochs", "2", "--threads", "1", "--sample", "0", "--json")
		if err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		var sum trainer.Summary
		if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
			t.Fatalf("%s: bad JSON %q: %v", method, stdout, err)
		}
		if sum.VocabSize != 18 || sum.Words == 0 || sum.WordsPerSec <= 0 {
			t.Errorf("%s: summary %+v", method, sum)
		}
		v, err := vectors.Load(out)
		if err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		if v.Len() != 18 || v.Dim != 8 {
			t.Errorf("%s: wrote %d vectors of dim %d, want 18 x 8", method, v.Len(), v.Dim)
		}
	}
	if _, err := runCLIIn(t, "", "vectors", "train", "--method", "nope", "--corpus", corpus, "--out", filepath.Join(dir, "x.vec")); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("unknown method: err = %v", err)
	}
}
