package checkpoint

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/nn"
)

// TestManifestDetectsEdits: every Save writes SHA256SUMS, Load accepts the
// untouched directory and reports an edited, truncated or missing file by
// name; a directory without a manifest (as written before manifests
// existed) still loads.
func TestManifestDetectsEdits(t *testing.T) {
	cases := []struct {
		name   string
		damage func(dir string) error
		want   string
	}{
		{"untouched", func(string) error { return nil }, ""},
		{"edited byte", func(dir string) error {
			p := filepath.Join(dir, ModelFile)
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			b[len(b)-1] ^= 1
			return os.WriteFile(p, b, 0o644)
		}, "model.safetensors does not match its SHA-256"},
		{"torn file", func(dir string) error { return os.Truncate(filepath.Join(dir, ConfigFile), 3) }, "config.json does not match its SHA-256"},
		{"missing file", func(dir string) error { return os.Remove(filepath.Join(dir, ModelFile)) }, "model.safetensors is listed in SHA256SUMS but missing"},
		{"bad manifest", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, ManifestFile), []byte("xyz  config.json\n"), 0o644)
		}, "SHA256SUMS: line 1"},
		{"no manifest", func(dir string) error { return os.Remove(filepath.Join(dir, ManifestFile)) }, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "ck")
			if err := Save(dir, ParamsFile(ModelFile, testParams(1), nil), JSONFile(ConfigFile, map[string]int{"hidden": 3})); err != nil {
				t.Fatal(err)
			}
			if err := c.damage(dir); err != nil {
				t.Fatal(err)
			}
			ck, err := Load(dir)
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if _, err := ck.ReadParams(ModelFile, testParams(0)); err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Load: %v, want an error containing %q", err, c.want)
			}
		})
	}
}

// TestSaveRejectsManifestName: no file may take the manifest's name.
func TestSaveRejectsManifestName(t *testing.T) {
	if err := Save(filepath.Join(t.TempDir(), "ck"), BytesFile(ManifestFile, nil)); err == nil {
		t.Fatal("Save accepted a file named SHA256SUMS")
	}
}

// TestCheckDims: sizes in a config are checked against bounds and against
// the header of the weights file, and the error names the field and both
// files; a config asking for 1e9 hidden units or 1e6 layers is refused
// without allocating anything of that size.
func TestCheckDims(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ck")
	ps := []*nn.Param{
		nn.NewParam("embedding.weight", 10, 4),
		nn.NewParam("rnn.weight_hh_l0", 12, 3),
		nn.NewParam("rnn.weight_hh_l1", 12, 3),
	}
	if err := Save(dir, ParamsFile(ModelFile, ps, nil), JSONFile(ConfigFile, map[string]int{})); err != nil {
		t.Fatal(err)
	}
	ck, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	dims := func(vocab, hidden, layers int) []Dim {
		return []Dim{
			{Field: "vocab_size", Value: vocab, Tensor: "embedding.weight", Axis: 0},
			{Field: "hidden_size", Value: hidden, Tensor: "rnn.weight_hh_l0", Axis: 1},
			{Field: "num_layers", Value: layers, Tensor: "rnn.weight_hh_l%d"},
		}
	}
	cases := []struct {
		vocab, hidden, layers int
		want                  []string
	}{
		{10, 3, 2, nil},
		{10, 1e9, 2, []string{"config.json", "hidden_size 1000000000 outside 1..16777216"}},
		{10, 5, 2, []string{"config.json", "hidden_size 5", "model.safetensors", "rnn.weight_hh_l0"}},
		{10, 3, 1e6, []string{"config.json", "num_layers 1000000 outside 1..1024"}},
		{10, 3, 1000, []string{"num_layers 1000", "holds only 3 tensors"}},
		{10, 3, 3, []string{"num_layers 3", "has no rnn.weight_hh_l2"}},
		{10, 3, 1, []string{"num_layers 1", "also has rnn.weight_hh_l1"}},
		{0, 3, 2, []string{"vocab_size 0 outside"}},
		{-5, 3, 2, []string{"vocab_size -5 outside"}},
		{11, 3, 2, []string{"vocab_size 11", "embedding.weight"}},
	}
	for _, c := range cases {
		err := ck.CheckDims(ModelFile, dims(c.vocab, c.hidden, c.layers)...)
		if c.want == nil {
			if err != nil {
				t.Errorf("%v: %v", c, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%v: accepted", c)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v: error %q does not contain %q", c, err, w)
			}
		}
	}
	if err := ck.CheckDims(ModelFile, Dim{Field: "x", Value: 4, Tensor: "nope"}); err == nil || !strings.Contains(err.Error(), "has no nope") {
		t.Errorf("missing tensor: %v", err)
	}
}

// TestReadSafetensorsHeaderMatchesRead: the header-only reader accepts
// exactly what ReadSafetensors accepts, with the same shapes.
func TestReadSafetensorsHeaderMatchesRead(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	if err := WriteSafetensorsFile(good, map[string]Tensor{"a": {Shape: []int{2, 3}, Data: make([]float32, 6)}}, nil); err != nil {
		t.Fatal(err)
	}
	shapes, err := ReadSafetensorsHeader(good)
	if err != nil || len(shapes) != 1 || len(shapes["a"]) != 2 || shapes["a"][0] != 2 || shapes["a"][1] != 3 {
		t.Fatalf("header: %v %v", shapes, err)
	}
	b, _ := os.ReadFile(good)
	torn := filepath.Join(dir, "torn")
	os.WriteFile(torn, b[:len(b)-4], 0o644)
	if _, err := ReadSafetensorsHeader(torn); err == nil {
		t.Fatal("header reader accepted a truncated file")
	}
}

// TestSetParamsRefusesNonFinite: weights holding NaN or an infinity (a
// diverged or damaged model) are refused by name instead of being loaded
// into a model that then predicts garbage or panics.
func TestSetParamsRefusesNonFinite(t *testing.T) {
	for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))} {
		ps := testParams(1)
		ps[1].Data[2] = bad
		tensors, err := ParamTensors(ps)
		if err != nil {
			t.Fatal(err)
		}
		dst := testParams(0)
		err = SetParams(dst, tensors)
		if err == nil || !strings.Contains(err.Error(), `"rnn.bias_ih_l0"`) || !strings.Contains(err.Error(), "index 2") {
			t.Errorf("%v: %v", bad, err)
		}
		if dst[0].Data[1] != 1 { // testParams(0) holds 0+i
			t.Errorf("%v: SetParams changed a parameter before failing", bad)
		}
	}
}
