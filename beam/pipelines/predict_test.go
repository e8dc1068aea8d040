package pipelines

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/recurrent-go/recurrent/infer"
	"github.com/recurrent-go/recurrent/infer/infertest"
	"github.com/recurrent-go/recurrent/vectors"
)

var (
	cliOnce sync.Once
	cliPath string
	cliErr  error
)

// cli builds the core's recurrent command once (go build's cache makes it
// quick after the first time) and runs it.
func cli(t *testing.T, args ...string) ([]byte, error) {
	t.Helper()
	cliOnce.Do(func() {
		dir, err := os.MkdirTemp("", "recurrent-cli-")
		if err != nil {
			cliErr = err
			return
		}
		cliPath = filepath.Join(dir, "recurrent")
		cmd := exec.Command("go", "build", "-o", cliPath, "./cmd/recurrent")
		cmd.Dir = "../.."
		if out, err := cmd.CombinedOutput(); err != nil {
			cliErr = err
			t.Logf("%s", out)
		}
	})
	if cliErr != nil {
		t.Fatalf("building recurrent: %v", cliErr)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(cliPath, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, &cliError{err, stderr.String()}
	}
	return out, nil
}

type cliError struct {
	err    error
	stderr string
}

func (e *cliError) Error() string { return e.err.Error() + ": " + e.stderr }

var (
	modelsOnce sync.Once
	modelPaths infertest.Paths
	modelsErr  error
)

func testModels(t *testing.T) infertest.Paths {
	modelsOnce.Do(func() {
		dir, err := os.MkdirTemp("", "recurrent-models-")
		if err != nil {
			modelsErr = err
			return
		}
		modelPaths, modelsErr = infertest.Build(dir)
	})
	if modelsErr != nil {
		t.Fatal(modelsErr)
	}
	return modelPaths
}

// predictInputs writes two input shards (the second gzip-compressed) of
// sentences with blank lines and unknown words, and returns their pattern,
// paths and their non-blank and all lines.
func predictInputs(t *testing.T) (pattern string, paths []string) {
	dir := t.TempDir()
	var a, b []string
	for i, s := range infertest.Sentences {
		a = append(a, s, strings.ToUpper(s[:1])+s[1:]+" zebra!")
		if i%2 == 0 {
			a = append(a, "")
		}
		b = append(b, strings.Join(strings.Fields(s)[:3], " "))
	}
	// Clitics, dates and abbreviations, where tokenizers differ.
	a = append(a, `"We don't go," Mr. Smith said on 1996-08-22 in the U.S.`)
	pa := filepath.Join(dir, "in-00.txt")
	if err := os.WriteFile(pa, []byte(strings.Join(a, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(strings.Join(b, "\r\n")))
	zw.Close()
	pb := filepath.Join(dir, "in-01.txt.gz")
	if err := os.WriteFile(pb, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "in-*"), []string{pa, pb}
}

func readJSONL(t *testing.T, path string) [][]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		out = append(out, append([]byte(nil), sc.Bytes()...))
	}
	return out
}

func runPredict(t *testing.T, opt PredictOptions) {
	t.Helper()
	p, s := beam.NewPipelineWithRoot()
	if err := Predict(s, opt); err != nil {
		t.Fatal(err)
	}
	if err := runPipeline(p); err != nil {
		t.Fatal(err)
	}
}

// plainCopy writes a decompressed copy of a .gz input for the CLI in a
// directory of its own.
func plainCopy(t *testing.T, p string) string {
	if !strings.HasSuffix(p, ".gz") {
		return p
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.ReadFrom(zr)
	// Not beside p: the test's input pattern would match the copy.
	q := filepath.Join(t.TempDir(), strings.TrimSuffix(filepath.Base(p), ".gz"))
	if err := os.WriteFile(q, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return q
}

// TestPredictMatchesCLI runs classify, tag and score on Prism over two
// shards and compares every record with the CLI's own --json output for
// the same file (classify predict, tag predict --file, lm score).
func TestPredictMatchesCLI(t *testing.T) {
	m := testModels(t)
	pattern, inputs := predictInputs(t)
	cases := []struct {
		task, model string
		args        func(file string) []string
		records     func(t *testing.T, out []byte) [][]byte
	}{
		{TaskClassify, m.Classify, func(f string) []string {
			return []string{"classify", "predict", "--model", m.Classify, "--file", f, "--json"}
		}, splitLines},
		{TaskTag, m.Tag, func(f string) []string {
			return []string{"tag", "predict", "--model", m.Tag, "--file", f, "--json"}
		}, splitLines},
		{TaskScore, m.WordLM, func(f string) []string {
			return []string{"lm", "score", "--model", m.WordLM, "--file", f, "--json"}
		}, func(t *testing.T, out []byte) [][]byte {
			var res infer.ScoreResult
			if err := json.Unmarshal(out, &res); err != nil {
				t.Fatal(err)
			}
			var recs [][]byte
			for _, l := range res.Lines {
				b, _ := json.Marshal(l)
				recs = append(recs, b)
			}
			return recs
		}},
	}
	for _, tc := range cases {
		t.Run(tc.task, func(t *testing.T) {
			out := t.TempDir()
			runPredict(t, PredictOptions{Input: pattern, Output: out, Task: tc.task, Model: tc.model})
			for _, in := range inputs {
				got := readJSONL(t, filepath.Join(out, OutputName(in)))
				cliOut, err := cli(t, tc.args(plainCopy(t, in))...)
				if err != nil {
					t.Fatal(err)
				}
				want := tc.records(t, cliOut)
				if len(got) != len(want) || len(got) < 6 {
					t.Fatalf("%s: %d records, the CLI printed %d", in, len(got), len(want))
				}
				for i := range got {
					if !sameJSON(got[i], want[i]) {
						t.Errorf("%s: record %d\n got %s\nwant %s", in, i, got[i], want[i])
					}
				}
			}
		})
	}
}

// sameJSON reports whether a and b are the same JSON value, numbers
// compared as their decimal text (so float32 values exactly); the order of
// object keys does not matter (the CLI has printed its classify record as a
// struct and as a map).
func sameJSON(a, b []byte) bool {
	dec := func(x []byte) (any, error) {
		d := json.NewDecoder(bytes.NewReader(x))
		d.UseNumber()
		var v any
		err := d.Decode(&v)
		return v, err
	}
	va, ea := dec(a)
	vb, eb := dec(b)
	return ea == nil && eb == nil && reflect.DeepEqual(va, vb)
}

func splitLines(_ *testing.T, out []byte) [][]byte {
	var recs [][]byte
	for _, l := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
		recs = append(recs, l)
	}
	return recs
}

// TestPredictEmbed checks the embed records against the vector file: each
// known word's vector, and the mean computed here in float64.
func TestPredictEmbed(t *testing.T) {
	m := testModels(t)
	v, err := vectors.Load(m.Vectors)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "words.txt")
	lines := []string{v.Words[0] + " " + v.Words[5] + " nosuchword", "", strings.ToUpper(v.Words[2]), "nosuchword"}
	if err := os.WriteFile(in, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, perWord := range []bool{false, true} {
		out := t.TempDir()
		runPredict(t, PredictOptions{Input: in, Output: out, Task: TaskEmbed, Model: m.Vectors, PerWord: perWord})
		recs := readJSONL(t, filepath.Join(out, "words.txt.jsonl"))
		if len(recs) != 3 {
			t.Fatalf("%d records, want 3 (the blank line skipped): %s", len(recs), bytes.Join(recs, []byte("\n")))
		}
		var e infer.EmbedLine
		if err := json.Unmarshal(recs[0], &e); err != nil {
			t.Fatal(err)
		}
		if e.Known != 2 || e.Text != lines[0] {
			t.Fatalf("record 0: %s", recs[0])
		}
		if perWord {
			if !equalF32(e.Vectors[0], v.Vec(0)) || !equalF32(e.Vectors[1], v.Vec(5)) || e.Vectors[2] != nil {
				t.Errorf("per-word vectors: %s", recs[0])
			}
			continue
		}
		for d := range v.Dim {
			want := float32((float64(v.Vec(0)[d]) + float64(v.Vec(5)[d])) / 2)
			if e.Mean[d] != want {
				t.Fatalf("mean[%d] = %v, want %v", d, e.Mean[d], want)
			}
		}
		json.Unmarshal(recs[1], &e)
		if e.Known != 1 || !equalF32(e.Mean, v.Vec(2)) {
			t.Errorf("upper-case word: %s", recs[1])
		}
		var none infer.EmbedLine
		json.Unmarshal(recs[2], &none)
		if none.Known != 0 || none.Mean != nil {
			t.Errorf("unknown word: %s", recs[2])
		}
	}
}

func equalF32(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

func TestPredictErrors(t *testing.T) {
	p, s := beam.NewPipelineWithRoot()
	if err := Predict(s, PredictOptions{Input: "x", Task: "translate"}); err == nil {
		t.Error("unknown task accepted")
	}
	_ = p
	m := testModels(t)
	_, inputs := predictInputs(t)
	p, s = beam.NewPipelineWithRoot()
	if err := Predict(s, PredictOptions{Input: inputs[0], Output: t.TempDir(), Task: TaskClassify, Model: m.Tag}); err != nil {
		t.Fatal(err)
	}
	if err := runPipeline(p); err == nil || !strings.Contains(err.Error(), "needs a classify model") {
		t.Errorf("a tagger for classify: %v", err)
	}
}
