package lm

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/checkpoint"
	"github.com/recurrent-go/recurrent/internal/testutil"
)

// pytorchCase is one case of testdata/pytorch_import.json (see
// gen_pytorch_import.py).
type pytorchCase struct {
	Name, File, Cell string
	VocabSize        int `json:"vocab_size"`
	EmbedDim         int `json:"embed_dim"`
	HiddenSize       int `json:"hidden_size"`
	NumLayers        int `json:"num_layers"`
	Tied             bool
	T, B             int
	X                []int32
	Logits, HN, CN   []float32
}

func TestImportPyTorch(t *testing.T) {
	for _, c := range readCases[pytorchCase](t, "testdata/pytorch_import.json") {
		t.Run(c.Name, func(t *testing.T) {
			m, err := ImportPyTorch(filepath.Join("testdata", c.File), ImportOptions{})
			if err != nil {
				t.Fatal(err)
			}
			want := Config{Arch: Arch{Cell: c.Cell, VocabSize: c.VocabSize, EmbedDim: c.EmbedDim, Hidden: c.HiddenSize, Layers: c.NumLayers}, Tied: c.Tied}
			if !reflect.DeepEqual(m.Config, want) {
				t.Fatalf("config %+v, want %+v", m.Config, want)
			}
			st := m.NewState(c.B)
			logits, err := m.Logits(c.X, c.T, c.B, st)
			if err != nil {
				t.Fatal(err)
			}
			near := func(what string, got, want []float32) {
				t.Helper()
				if len(got) != len(want) {
					t.Fatalf("%s: %d values, PyTorch %d", what, len(got), len(want))
				}
				for i := range got {
					if d := math.Abs(float64(got[i] - want[i])); d > 1e-5 {
						t.Fatalf("%s[%d] = %.7g, PyTorch %.7g", what, i, got[i], want[i])
					}
				}
			}
			near("logits", logits, c.Logits)
			near("hN", st.H, c.HN)
			if c.Cell == "lstm" {
				near("cN", st.C, c.CN)
			}
			// Saved in our checkpoint format and loaded back: the same.
			m2, _ := testutil.SaveLoad(t, m.Save, Load)
			l2, err := m2.Logits(c.X, c.T, c.B, m2.NewState(c.B))
			if err != nil {
				t.Fatal(err)
			}
			near("logits after save/load", l2, c.Logits)
		})
	}
}

func TestImportPyTorchErrors(t *testing.T) {
	b, err := os.ReadFile("testdata/pytorch_lstm.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	ts, _, err := checkpoint.ReadSafetensors(b)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, edit func(map[string]checkpoint.Tensor)) string {
		c := make(map[string]checkpoint.Tensor, len(ts))
		for k, v := range ts {
			c[k] = v
		}
		edit(c)
		p := filepath.Join(dir, name)
		if err := checkpoint.WriteSafetensorsFile(p, c, nil); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name string
		edit func(map[string]checkpoint.Tensor)
		cell string
		want string
	}{
		{"no_embedding", func(c map[string]checkpoint.Tensor) { delete(c, "embedding.weight") }, "", `no tensor "embedding.weight"`},
		{"missing_bias", func(c map[string]checkpoint.Tensor) { delete(c, "rnn.bias_hh_l1") }, "", "missing rnn.bias_hh_l1"},
		{"extra", func(c map[string]checkpoint.Tensor) { c["rnn.weight_hr_l0"] = c["decoder.bias"] }, "", "proj_size"},
		{"unexpected", func(c map[string]checkpoint.Tensor) { c["head.bias"] = c["decoder.bias"] }, "", "unexpected head.bias"},
		{"bad_decoder", func(c map[string]checkpoint.Tensor) {
			c["decoder.bias"] = checkpoint.Tensor{Shape: []int{3}, Data: make([]float32, 3)}
		}, "", "shape mismatch decoder.bias"},
		{"wrong_cell", func(map[string]checkpoint.Tensor) {}, "gru", "gate blocks"},
	} {
		_, err := ImportPyTorch(write(tc.name+".safetensors", tc.edit), ImportOptions{Cell: tc.cell})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	if _, err := ImportPyTorch(filepath.Join(dir, "absent.safetensors"), ImportOptions{}); err == nil {
		t.Error("missing file: no error")
	}
}

// torchCase is one case of testdata/torch_import.json (see
// gen_torch_import.py): a torch.save(model.state_dict()) file.
type torchCase struct {
	pytorchCase
	Vocab  string
	Rename []string
}

func TestImportTorchSave(t *testing.T) {
	for _, c := range readCases[torchCase](t, "testdata/torch_import.json") {
		t.Run(c.Name, func(t *testing.T) {
			var opt ImportOptions
			for _, r := range c.Rename {
				from, to, _ := strings.Cut(r, "=")
				opt.Rename = append(opt.Rename, Rename{from, to})
			}
			m, err := ImportPyTorch(filepath.Join("testdata", c.File), opt)
			if err != nil {
				t.Fatal(err)
			}
			want := Config{Arch: Arch{Cell: c.Cell, VocabSize: c.VocabSize, EmbedDim: c.EmbedDim, Hidden: c.HiddenSize, Layers: c.NumLayers}, Tied: c.Tied}
			if !reflect.DeepEqual(m.Config, want) {
				t.Fatalf("config %+v, want %+v", m.Config, want)
			}
			logits, err := m.Logits(c.X, c.T, c.B, m.NewState(c.B))
			if err != nil {
				t.Fatal(err)
			}
			if len(logits) != len(c.Logits) {
				t.Fatalf("%d logits, PyTorch %d", len(logits), len(c.Logits))
			}
			for i := range logits {
				if d := math.Abs(float64(logits[i] - c.Logits[i])); d > 1e-5 || math.IsNaN(d) {
					t.Fatalf("logits[%d] = %.7g, PyTorch %.7g", i, logits[i], c.Logits[i])
				}
			}
		})
	}
}

func TestImportTorchSaveErrors(t *testing.T) {
	for _, tc := range []struct {
		file string
		opt  ImportOptions
		want string
	}{
		// torch.save(model) pickles the module's class: refused, not run.
		{"torch_whole_model.pt", ImportOptions{}, "refusing to load the Python global __main__.LM"},
		// Without --rename the custom names are reported.
		{"torch_custom_names.pt", ImportOptions{}, "--rename"},
		// A vocabulary file given as the weights: says what it is.
		{"torch_words.txt", ImportOptions{}, "a text file"},
		{"pytorch_import.json", ImportOptions{}, "a text file"},
	} {
		_, err := ImportPyTorch(filepath.Join("testdata", tc.file), tc.opt)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.file, err, tc.want)
		}
	}
}

// A state_dict whose layer weights do not have the shapes its embedding
// and rnn.weight_hh_l0 imply is refused before the model is built: the
// model used to be allocated (and initialised) from those two shapes
// alone, so a 330 kB file with a wide embedding, a [1, 1]
// rnn.weight_ih_l0 and 200 empty rnn.weight_ih_l{k} made lm import
// allocate 90 MB before SetParams found the mismatch.
func TestImportPyTorchShapesCheckedBeforeBuilding(t *testing.T) {
	const E, H = 1 << 16, 64
	tensor := func(shape ...int) checkpoint.Tensor {
		n := 1
		for _, d := range shape {
			n *= d
		}
		return checkpoint.Tensor{Shape: shape, Data: make([]float32, n)}
	}
	ts := map[string]checkpoint.Tensor{
		"embedding.weight": tensor(1, E), "rnn.weight_hh_l0": tensor(4*H, H),
		"rnn.weight_ih_l0": tensor(1, 1), "decoder.weight": tensor(1, H),
	}
	for k := 1; k < 200; k++ {
		ts[fmt.Sprintf("rnn.weight_ih_l%d", k)] = tensor(0)
	}
	p := filepath.Join(t.TempDir(), "sd.safetensors")
	if err := checkpoint.WriteSafetensorsFile(p, ts, nil); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err = ImportPyTorch(p, ImportOptions{})
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n > 8*uint64(fi.Size())+1<<20 {
		t.Errorf("importing %d bytes allocated %d", fi.Size(), n)
	}
	if err == nil || !strings.Contains(err.Error(), "rnn.weight_ih_l0") {
		t.Errorf("error %v, want one naming rnn.weight_ih_l0", err)
	}
}
