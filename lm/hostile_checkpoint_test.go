package lm

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/checkpoint"
)

// TestLoadQuantizedHostile: an int8 checkpoint whose scales or codes no
// quantization gives (NaN, negative, so large that scale times code is
// infinite, the code -128), whose weight is not I8, or whose scale is
// missing or extra, is refused, naming model.safetensors.
func TestLoadQuantizedHostile(t *testing.T) {
	m := mustNew(t, New, quantConfig("lstm", false), nil, 5)
	if err := m.Quantize(); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(t.TempDir(), "q")
	err := m.Save(src)
	var ck *checkpoint.Checkpoint
	if err == nil {
		ck, err = checkpoint.Load(src)
	}
	var orig map[string]checkpoint.Tensor
	if err == nil {
		orig, _, err = ck.ReadTensors(checkpoint.ModelFile)
	}
	if err != nil {
		t.Fatal(err)
	}
	const w = "rnn.weight_hh_l0"
	for _, tc := range []struct {
		name string
		edit func(ts map[string]checkpoint.Tensor)
		want string
	}{
		{"scale_nan", func(ts map[string]checkpoint.Tensor) { ts[w+".scale"].Data[3] = float32(math.NaN()) }, "scale"},
		{"scale_negative", func(ts map[string]checkpoint.Tensor) { ts[w+".scale"].Data[0] = -0.5 }, "scale"},
		{"scale_times_code_infinite", func(ts map[string]checkpoint.Tensor) { ts[w+".scale"].Data[1] = 3e38 }, "+Inf"},
		{"code_-128", func(ts map[string]checkpoint.Tensor) { ts[w].Data[7] = -128 }, "-128"},
		{"weight_f32", func(ts map[string]checkpoint.Tensor) {
			t := ts[w]
			t.Dtype = ""
			ts[w] = t
		}, "not int8"},
		{"scale_missing", func(ts map[string]checkpoint.Tensor) { delete(ts, w+".scale") }, "quantized model needs"},
		{"scale_extra", func(ts map[string]checkpoint.Tensor) {
			ts["rnn.bias_hh_l0.scale"] = checkpoint.Tensor{Shape: []int{1}, Data: []float32{1}}
		}, "unexpected tensor rnn.bias_hh_l0.scale"},
		{"scales_short", func(ts map[string]checkpoint.Tensor) {
			s := ts[w+".scale"]
			ts[w+".scale"] = checkpoint.Tensor{Shape: []int{s.Shape[0] - 1}, Data: s.Data[1:]}
		}, "scales"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := make(map[string]checkpoint.Tensor, len(orig))
			for k, v := range orig {
				v.Data = append([]float32(nil), v.Data...)
				ts[k] = v
			}
			tc.edit(ts)
			dir := filepath.Join(t.TempDir(), "q")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{checkpoint.ConfigFile, checkpoint.VocabFile} {
				if b, err := os.ReadFile(filepath.Join(src, f)); err == nil {
					os.WriteFile(filepath.Join(dir, f), b, 0o644)
				}
			}
			if err := checkpoint.WriteSafetensorsFile(filepath.Join(dir, checkpoint.ModelFile), ts, nil); err != nil {
				t.Fatal(err)
			}
			_, err := Load(dir)
			if err == nil || !strings.Contains(err.Error(), checkpoint.ModelFile) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one naming %s and containing %q", err, checkpoint.ModelFile, tc.want)
			}
		})
	}
}

// A training checkpoint whose carried state (carry.safetensors) holds a
// NaN or an infinity is refused by Resume, naming the file: it was
// restored, the next chunk's loss was NaN, and the run stopped as
// diverged, blaming training for a bad file.
func TestResumeRefusesNonFiniteCarry(t *testing.T) {
	tr := newKillTrainer(t)
	tr.Dir = filepath.Join(t.TempDir(), "ck")
	if _, err := tr.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	carry, _, err := checkpoint.ReadSafetensorsFile(filepath.Join(tr.Dir, CarryFile))
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(tr.Dir, checkpoint.ManifestFile))
	_, _, trainIDs, valid := killConfig()
	for _, x := range []float32{float32(math.NaN()), float32(math.Inf(1))} {
		for _, name := range []string{"h", "c"} {
			c := carry[name]
			saved := c.Data[5]
			c.Data[5] = x
			if err := checkpoint.WriteSafetensorsFile(filepath.Join(tr.Dir, CarryFile), carry, nil); err != nil {
				t.Fatal(err)
			}
			c.Data[5] = saved
			if _, err := Resume(tr.Dir, trainIDs, valid); err == nil || !strings.Contains(err.Error(), CarryFile) {
				t.Errorf("%s[5] = %v: error %v, want one naming %s", name, x, err, CarryFile)
			}
		}
	}
}
