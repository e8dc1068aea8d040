package checkpoint

import (
	"bytes"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
)

// TestReadTorch reads dicts of tensors saved by torch.save in both layouts
// (testdata/gen_torch.py): every floating dtype, views at an offset, with
// non-contiguous strides, a scalar and an empty tensor.
func TestReadTorch(t *testing.T) {
	checkTorchFiles(t, "views.json", "views.pt", "views_legacy.pt")
}

// TestReadTorchTrainingCheckpoint: from {"epoch", "model_state_dict",
// "optimizer_state_dict", "loss"} the model's tensors (weight and bias)
// are taken.
func TestReadTorchTrainingCheckpoint(t *testing.T) {
	checkTorchFiles(t, "training_checkpoint.json", "training_checkpoint.pt", "training_checkpoint_legacy.pt")
	if _, err := ReadTensorFile("testdata/no_tensors.pt"); err == nil || !strings.Contains(err.Error(), "keys epoch, names") {
		t.Errorf("no tensors: %v", err)
	}
}

// checkTorchFiles requires each of the torch files in testdata to hold
// exactly the tensors of the JSON file wantJSON (name: shape and data),
// every value equal (the float32 of each dtype is exact).
func checkTorchFiles(t *testing.T, wantJSON string, files ...string) {
	t.Helper()
	var want map[string]struct {
		Shape []int
		Data  []float32
	}
	b, err := os.ReadFile("testdata/" + wantJSON)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		ts, err := ReadTensorFile("testdata/" + file)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if len(ts) != len(want) {
			t.Fatalf("%s: %d tensors, want %d", file, len(ts), len(want))
		}
		for name, w := range want {
			got, ok := ts[name]
			if !ok {
				t.Fatalf("%s: no tensor %q", file, name)
			}
			if !slices.Equal(got.Shape, w.Shape) || len(got.Data) != len(w.Data) {
				t.Fatalf("%s: %s shape %v (%d values), want %v (%d)", file, name, got.Shape, len(got.Data), w.Shape, len(w.Data))
			}
			for i := range w.Data {
				if got.Data[i] != w.Data[i] {
					t.Fatalf("%s: %s[%d] = %v, want %v", file, name, i, got.Data[i], w.Data[i])
				}
			}
		}
	}
}

func TestReadTorchErrors(t *testing.T) {
	zipped, err := os.ReadFile("testdata/views.pt")
	if err != nil {
		t.Fatal(err)
	}
	legacy, err := os.ReadFile("testdata/views_legacy.pt")
	if err != nil {
		t.Fatal(err)
	}
	long, err := os.ReadFile("testdata/long.pt")
	if err != nil {
		t.Fatal(err)
	}
	// A pickle calling os.system: refused at the global, nothing built.
	evil := []byte("\x80\x02cos\nsystem\nq\x00X\x04\x00\x00\x00trueq\x01\x85q\x02Rq\x03.")
	leg := bytes.Clone(legacy)
	leg = append(leg[:len(leg)-40:len(leg)-40], make([]byte, 0)...)
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"long", long, "torch.LongStorage"},
		{"legacy_truncated", leg, "truncated"},
		{"zip_truncated", zipped[:len(zipped)-300], "zip"},
		{"evil_pickle", evil, "pickle that is not a torch.save file"},
		{"text", []byte("embedding.weight 1 2 3\n"), "a text file"},
		{"npz", []byte("PK\x03\x04\x14\x00\x00\x00\x00\x00arr_0.npy"), "zip archive without data.pkl"},
		{"random", []byte{0x01, 0x02, 0xff, 0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60}, "unknown binary layout"},
		{"empty", nil, "empty"},
	} {
		p := dir + "/" + tc.name
		os.WriteFile(p, tc.data, 0o644)
		_, err := ReadTensorFile(p)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	// The evil pickle inside a torch file layout: the unpickler refuses
	// the global itself.
	u := &unpickler{b: evil}
	if _, err := u.run(); err == nil || !strings.Contains(err.Error(), "refusing to load the Python global os.system") {
		t.Errorf("os.system global: %v", err)
	}
}

// FuzzReadTorch: no input makes the reader panic or allocate without bound.
func FuzzReadTorch(f *testing.F) {
	for _, name := range []string{"views.pt", "views_legacy.pt", "long.pt"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if IsTorchFile(b) {
			ReadTorch(b)
		}
		DescribeFile(b)
	})
}
