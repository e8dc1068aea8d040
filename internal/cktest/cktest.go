// Package cktest holds test helpers for the checkpoint loaders of the task
// packages (lm, classify, tag, seq2seq) and for the checkpoints the
// training loop and the training commands write.
package cktest

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/checkpoint"
)

// Edit sets one field of a checkpoint's config.json: Path is the chain of
// object keys ("model", "hidden"), Value the new value; Want lists strings
// the loader's error must contain besides "config.json" and the field
// name (the last key of Path).
type Edit struct {
	Path  []string
	Value any
	Want  []string
}

// MaxAlloc bounds the bytes a loader may allocate while refusing a
// config: far below any size the edits ask for.
const MaxAlloc = 64 << 20

// Saved writes a checkpoint with save into a fresh directory, asserts that
// load reads it back unedited, and returns the directory (the src of
// CheckEdits).
func Saved(t *testing.T, save, load func(dir string) error) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "m")
	if err := save(dir); err != nil {
		t.Fatal(err)
	}
	if err := load(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// CheckEdits copies the checkpoint directory src once per edit, applies
// the edit to config.json (dropping the checksum manifest, as a checkpoint
// written before manifests existed has none), and asserts that load fails
// with an error naming config.json and the edited field, allocating less
// than MaxAlloc bytes.
func CheckEdits(t *testing.T, src string, load func(dir string) error, edits []Edit) {
	t.Helper()
	for _, e := range edits {
		field := e.Path[len(e.Path)-1]
		t.Run(strings.Join(e.Path, ".")+"="+jsonString(e.Value), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "ck")
			copyDir(t, src, dir)
			os.Remove(filepath.Join(dir, checkpoint.ManifestFile))
			cfgPath := filepath.Join(dir, checkpoint.ConfigFile)
			b, err := os.ReadFile(cfgPath)
			if err != nil {
				t.Fatal(err)
			}
			var cfg map[string]any
			if err := json.Unmarshal(b, &cfg); err != nil {
				t.Fatal(err)
			}
			obj := cfg
			for _, k := range e.Path[:len(e.Path)-1] {
				next, ok := obj[k].(map[string]any)
				if !ok {
					t.Fatalf("config.json has no object %q: %s", k, b)
				}
				obj = next
			}
			if _, ok := obj[field]; !ok {
				t.Fatalf("config.json has no field %q: %s", field, b)
			}
			obj[field] = e.Value
			b, _ = json.Marshal(cfg)
			if err := os.WriteFile(cfgPath, b, 0o644); err != nil {
				t.Fatal(err)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			err = load(dir)
			runtime.ReadMemStats(&after)
			if err == nil {
				t.Fatal("loaded")
			}
			for _, w := range append([]string{checkpoint.ConfigFile, field}, e.Want...) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if n := after.TotalAlloc - before.TotalAlloc; n > MaxAlloc {
				t.Errorf("refusing the config allocated %d bytes", n)
			}
		})
	}
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// copyDir copies the regular files of src into dst (created).
func copyDir(t testing.TB, src, dst string) {
	t.Helper()
	es, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// FuzzDir copies the checkpoint directory src into a fresh temporary
// directory of f without its checksum manifest (so that a fuzz target can
// rewrite single files and have them loaded) and returns it with the
// contents of the named files, to seed the corpus.
func FuzzDir(f *testing.F, src string, names ...string) (string, [][]byte) {
	f.Helper()
	dir := filepath.Join(f.TempDir(), "ck")
	copyDir(f, src, dir)
	os.Remove(filepath.Join(dir, checkpoint.ManifestFile))
	seeds := make([][]byte, len(names))
	for i, n := range names {
		var err error
		if seeds[i], err = os.ReadFile(filepath.Join(dir, n)); err != nil {
			f.Fatal(err)
		}
	}
	return dir, seeds
}

// FuzzSaved writes a checkpoint with save into a fresh directory and
// returns FuzzDir of it.
func FuzzSaved(f *testing.F, save func(dir string) error, names ...string) (string, [][]byte) {
	f.Helper()
	src := filepath.Join(f.TempDir(), "src")
	if err := save(src); err != nil {
		f.Fatal(err)
	}
	return FuzzDir(f, src, names...)
}

// Bounds returns the edits every loader refuses by its sanity bounds
// alone, before reading the weights: 1e9 hidden units and 1e6 layers, at
// the config.json paths hidden and layers.
func Bounds(hidden, layers []string) []Edit {
	return []Edit{
		{Path: hidden, Value: 1000000000, Want: []string{"outside"}},
		{Path: layers, Value: 1000000, Want: []string{"outside"}},
	}
}

// CheckConfigSizes is Saved and CheckEdits for a package's loader: load
// is its Load (or LoadCond), whose model the checks discard.
func CheckConfigSizes[M any](t *testing.T, save func(dir string) error, load func(dir string) (M, error), edits []Edit) {
	t.Helper()
	loadErr := func(dir string) error { _, err := load(dir); return err }
	CheckEdits(t, Saved(t, save, loadErr), loadErr, edits)
}

// LoadFuzzed writes the fuzzed files into dir (name, contents, name,
// contents, ...), runs load and fails when it allocates more than MaxAlloc
// bytes: a loader must refuse a config before building a model the weights
// file cannot back. It returns what load returns.
func LoadFuzzed[M any](t *testing.T, dir string, load func(dir string) (M, error), files ...any) (M, error) {
	t.Helper()
	for i := 0; i < len(files); i += 2 {
		if err := os.WriteFile(filepath.Join(dir, files[i].(string)), files[i+1].([]byte), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	m, err := load(dir)
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n > MaxAlloc {
		t.Fatalf("load allocated %d bytes (error %v)", n, err)
	}
	return m, err
}

// CheckFinite asserts that a checkpoint directory holds no non-finite
// number: no tensor of a .safetensors file holds NaN or ±Inf and no .json
// file spells one. A missing dir passes (a run that failed before its
// first checkpoint wrote nothing); a file that cannot be read fails.
func CheckFinite(t testing.TB, dir string) {
	t.Helper()
	es, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		p := filepath.Join(dir, e.Name())
		switch filepath.Ext(p) {
		case ".json":
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if s := string(b); strings.Contains(s, "NaN") || strings.Contains(s, "Inf") {
				t.Errorf("%s holds a non-finite number", p)
			}
		case ".safetensors":
			ts, _, err := checkpoint.ReadSafetensorsFile(p)
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			for name, ten := range ts {
				for _, v := range ten.Data {
					if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
						t.Fatalf("%s: tensor %s holds %v", p, name, v)
					}
				}
			}
		}
	}
}
