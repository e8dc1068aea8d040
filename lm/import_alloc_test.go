package lm

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/checkpoint"
)

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
