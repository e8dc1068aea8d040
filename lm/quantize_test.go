package lm

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/checkpoint"
	"github.com/recurrent-go/recurrent/text"
)

func quantConfig(cell string, tied bool) Config {
	return Config{Arch: Arch{Cell: cell, VocabSize: 30, EmbedDim: 40, Hidden: 40, Layers: 2}, Tied: tied, InitRange: 0.3}
}

// TestStepEvaluation checks the one-token-at-a-time Evaluate and Score
// that a quantized model uses against the batched ones, on a float32 model
// (where both must agree up to rounding): same streams, same targets.
func TestStepEvaluation(t *testing.T) {
	ctx := context.Background()
	for _, cell := range []string{"lstm", "gru"} {
		m := mustNew(t, New, quantConfig(cell, false), nil, 3)
		m.SetTraining(false)
		rng := rand.New(rand.NewPCG(4, 4))
		ids := randIDs(rng, 203, 30)
		want, err := m.Evaluate(ctx, ids, 3, 17)
		if err != nil {
			t.Fatal(err)
		}
		sb, _ := text.NewStreamBatcher(ids, 3, 17)
		got, err := m.evaluateSteps(ctx, sb, ids)
		if err != nil {
			t.Fatal(err)
		}
		if got.Tokens != want.Tokens || math.Abs(got.Loss-want.Loss) > 1e-5 {
			t.Errorf("%s: stepped evaluation %+v, batched %+v", cell, got, want)
		}
		seqs := [][]int32{{1, 2, 3, 4}, {5}, {}, {6, 6, 2}, randIDs(rng, 50, 30)}
		ws := mustScore(t, m, seqs, 0, 2)
		gs, err := m.scoreSteps(ctx, seqs, 0)
		if err != nil {
			t.Fatal(err)
		}
		for i := range seqs {
			if gs[i].Tokens != ws[i].Tokens || math.Abs(gs[i].LogProb-ws[i].LogProb) > 1e-4 {
				t.Errorf("%s: sequence %d: stepped %+v, batched %+v", cell, i, gs[i], ws[i])
			}
		}
		if _, err := m.scoreSteps(ctx, [][]int32{{1, 30}}, 0); err == nil {
			t.Errorf("%s: scoreSteps accepted an id outside the vocabulary", cell)
		}
	}
}

// TestQuantize quantizes trained-looking models: the int8 model's loss
// stays close to the float32 one (but differs: the int8 path runs), its
// samples are reproducible, and Save/Load keeps it exactly, with I8
// weights and F32 scales in model.safetensors and "quantized" in the
// config.
func TestQuantize(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		cell string
		tied bool
	}{{"lstm", false}, {"gru", true}, {"gru_cho", false}} {
		m := mustNew(t, New, quantConfig(c.cell, c.tied), nil, 5)
		rng := rand.New(rand.NewPCG(6, 6))
		ids := randIDs(rng, 400, 30)
		f32, err := m.Evaluate(ctx, ids, 2, 50)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Quantize(); err != nil {
			t.Fatal(err)
		}
		if !m.Quantized() {
			t.Fatal("Quantized() false after Quantize")
		}
		q8, err := m.Evaluate(ctx, ids, 2, 50)
		if err != nil {
			t.Fatal(err)
		}
		if q8.Tokens != f32.Tokens || q8.Loss == f32.Loss || math.Abs(q8.Loss-f32.Loss) > 0.01 {
			t.Errorf("%s: int8 loss %v, float32 %v", c.cell, q8.Loss, f32.Loss)
		}
		t.Logf("%s tied=%v: loss float32 %.5f int8 %.5f", c.cell, c.tied, f32.Loss, q8.Loss)
		opt := SampleOptions{Prompt: []int32{0, 3}, MaxTokens: 60, Temperature: 1, Seed: 9}
		s1, err := m.Sample(ctx, opt)
		if err != nil {
			t.Fatal(err)
		}
		seqs := [][]int32{ids[:30], ids[30:31], ids[100:190]}
		sc1 := mustScore(t, m, seqs, 0, 8)

		dir := filepath.Join(t.TempDir(), "q")
		if err := m.Save(dir); err != nil {
			t.Fatal(err)
		}
		ts, _, err := checkpoint.ReadSafetensorsFile(filepath.Join(dir, checkpoint.ModelFile))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range m.int8Params() {
			if ts[p.Name].Dtype != checkpoint.I8 || len(ts[p.Name+scaleSuffix].Data) != p.Shape[0] {
				t.Fatalf("%s: %s stored as %q with %d scales", c.cell, p.Name, ts[p.Name].Dtype, len(ts[p.Name+scaleSuffix].Data))
			}
		}
		if ts["decoder.bias"].Dtype != "" {
			t.Fatalf("decoder.bias stored as %q", ts["decoder.bias"].Dtype)
		}
		cfg, err := os.ReadFile(filepath.Join(dir, checkpoint.ConfigFile))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(cfg), `"quantized": "int8"`) && !strings.Contains(string(cfg), `"quantized":"int8"`) {
			t.Fatalf("config.json does not say quantized: %s", cfg)
		}
		m2, err := Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		if !m2.Quantized() {
			t.Fatal("loaded model is not quantized")
		}
		for i, p := range m.Params() {
			if !slices.Equal(p.Data, m2.Params()[i].Data) {
				t.Fatalf("%s: %s differs after Save/Load", c.cell, p.Name)
			}
		}
		s2, err := m2.Sample(ctx, opt)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(s1, s2) {
			t.Errorf("%s: samples differ after Save/Load:\n%v\n%v", c.cell, s1, s2)
		}
		sc2 := mustScore(t, m2, seqs, 0, 8)
		for i := range sc1 {
			if sc1[i] != sc2[i] {
				t.Errorf("%s: score %d: %+v after Save/Load, %+v before", c.cell, i, sc2[i], sc1[i])
			}
		}
	}
}

func TestQuantizedLoadErrors(t *testing.T) {
	m := mustNew(t, New, quantConfig("lstm", false), nil, 5)
	dir := filepath.Join(t.TempDir(), "f")
	if err := m.Save(dir); err != nil {
		t.Fatal(err)
	}
	// A float32 checkpoint whose config claims int8 (edited by hand, so
	// without the manifest that would report the edit first).
	if err := os.Remove(filepath.Join(dir, checkpoint.ManifestFile)); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, checkpoint.ConfigFile)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	claim := strings.Replace(string(b), `"cell"`, `"quantized": "int8", "cell"`, 1)
	if err := os.WriteFile(path, []byte(claim), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "I8") {
		t.Errorf("float32 weights under a quantized config: err = %v", err)
	}
	bad := strings.Replace(string(b), `"cell"`, `"quantized": "int4", "cell"`, 1)
	if err := os.WriteFile(path, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "int4") {
		t.Errorf("quantized int4: err = %v", err)
	}
}

// TestInt8StepNoAlloc checks that a generation step of a quantized model
// (int8 stepper and decoder) allocates nothing.
func TestInt8StepNoAlloc(t *testing.T) {
	m := mustNew(t, New, quantConfig("lstm", false), nil, 5)
	if err := m.Quantize(); err != nil {
		t.Fatal(err)
	}
	m.SetTraining(false)
	g, err := m.generator(100)
	if err != nil {
		t.Fatal(err)
	}
	if g.dec == nil || !g.st.Int8() {
		t.Fatal("the generator of a quantized model is not int8")
	}
	if n := testing.AllocsPerRun(50, func() {
		if _, err := g.step(3); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("an int8 generation step allocates %v times", n)
	}
}

func TestQuantizeAdaptive(t *testing.T) {
	cfg := quantConfig("lstm", false)
	cfg.AdaptiveCutoffs = []int{10}
	m := mustNew(t, New, cfg, nil, 1)
	if err := m.Quantize(); err == nil || m.Quantized() {
		t.Fatalf("Quantize of an adaptive-softmax model: err %v, Quantized() %v", err, m.Quantized())
	}
}

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
