package lm

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/recurrent-go/recurrent/checkpoint"
	"github.com/recurrent-go/recurrent/nn"
	"github.com/recurrent-go/recurrent/text"
)

// ImportOptions complete what a PyTorch state_dict does not say.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type ImportOptions struct {
	// Cell names the recurrence when the gate count leaves it open: with 1
	// gate block "rnn_tanh" (default) or "rnn_relu"; with 3, "gru"
	// (default, torch.nn.GRU). Empty: the default for the shapes. With 4
	// gate blocks the cell is "lstm".
	Cell string
	// Vocab, if set, maps tokens to the embedding's rows (its size must be
	// the state_dict's V); without it the model works on ids only.
	Vocab *text.Vocab
	// Tokenizer is stored in the model's config for encoding text.
	Tokenizer text.Tokenizer
	// Rename maps tensor-name prefixes to ours before anything else:
	// {From, To} turns From (the whole name, or a prefix ending at a ".")
	// into To, e.g. {"lstm", "rnn"} makes lstm.weight_ih_l0
	// rnn.weight_ih_l0. Applied in order, each to the original names.
	Rename []Rename
}

// Rename is one tensor-name prefix mapping of ImportOptions.
type Rename struct{ From, To string }

// renameTensors applies the renames, drops the "module." prefix
// nn.DataParallel puts on every name, then takes the naming of
// pytorch/examples' word_language_model (encoder.weight for the embedding)
// when the file has no embedding.weight.
func renameTensors(ts map[string]checkpoint.Tensor, renames []Rename) (map[string]checkpoint.Tensor, error) {
	out := make(map[string]checkpoint.Tensor, len(ts))
	for name, t := range ts {
		nn := name
		for _, r := range renames {
			switch {
			case name == r.From:
				nn = r.To
			case strings.HasSuffix(r.From, ".") && strings.HasPrefix(name, r.From),
				strings.HasPrefix(name, r.From+"."):
				nn = r.To + name[len(r.From):]
			default:
				continue
			}
			break
		}
		if _, dup := out[nn]; dup {
			return nil, fmt.Errorf("two tensors named %q after renaming", nn)
		}
		out[nn] = t
	}
	// nn.DataParallel saves every name under "module.".
	strip := len(out) > 0
	for name := range out {
		strip = strip && strings.HasPrefix(name, "module.")
	}
	if strip {
		stripped := make(map[string]checkpoint.Tensor, len(out))
		for name, t := range out {
			stripped[strings.TrimPrefix(name, "module.")] = t
		}
		out = stripped
	}
	if _, ok := out["embedding.weight"]; !ok {
		if t, ok := out["encoder.weight"]; ok {
			delete(out, "encoder.weight")
			out["embedding.weight"] = t
		}
	}
	return out, nil
}

// ImportPyTorch builds a model from a file holding the state_dict of a
// PyTorch module: torch.save(model.state_dict(), path) (the zip format of
// PyTorch 1.6 and later or the legacy one, read without running any code
// from the file: see checkpoint.ReadTorch) or
// safetensors.torch.save_file(model.state_dict(), path); a training
// checkpoint such as {"epoch": ..., "model_state_dict": ...,
// "optimizer_state_dict": ...} gives its state_dict, and the "module."
// prefix of nn.DataParallel is dropped. The module has the attributes
// embedding (or encoder, as in pytorch/examples' word_language_model;
// opt.Rename maps other names)
// (torch.nn.Embedding), rnn (torch.nn.LSTM, GRU or RNN, batch_first=False,
// unidirectional, with biases) and decoder (torch.nn.Linear), the names
// listed in the package documentation. The architecture is read from the
// shapes: V and E from embedding.weight [V, E], H and the gate count G from
// rnn.weight_hh_l0 [G*H, H], the layers from rnn.weight_ih_l{k}. A
// decoder.weight equal to embedding.weight (PyTorch saves tied weights
// under both names) or absent means tied weights. float32, float16 and
// bfloat16 tensors are read (as float32). Every other tensor name is an
// error, as is a missing or misshapen one.
func ImportPyTorch(path string, opt ImportOptions) (*Model, error) {
	ts, err := checkpoint.ReadTensorFile(path)
	if err != nil {
		return nil, fmt.Errorf("lm: import: %w", err)
	}
	path = text.DisplayName(path)
	if ts, err = renameTensors(ts, opt.Rename); err != nil {
		return nil, fmt.Errorf("lm: import %s: %w", path, err)
	}
	cfg, err := pytorchConfig(ts, opt.Cell)
	if err != nil {
		return nil, fmt.Errorf("lm: import %s: %w", path, err)
	}
	cfg.Tokenizer = opt.Tokenizer
	if cfg.Tied {
		delete(ts, "decoder.weight")
	}
	m, err := New(cfg, opt.Vocab, 0)
	if err != nil {
		return nil, fmt.Errorf("lm: import %s: %w", path, err)
	}
	if err := checkpoint.SetParams(m.params, ts); err != nil {
		return nil, fmt.Errorf("lm: import %s: %w", path, err)
	}
	return m, nil
}

// pytorchConfig infers the model configuration from state_dict shapes.
func pytorchConfig(ts map[string]checkpoint.Tensor, cell string) (Config, error) {
	shape := func(name string, dims int) ([]int, error) {
		t, ok := ts[name]
		if !ok {
			have := make([]string, 0, len(ts))
			for n := range ts {
				have = append(have, n)
			}
			slices.Sort(have)
			return nil, fmt.Errorf("no tensor %q (is this the state_dict of an embedding/rnn/decoder model? it has %s; map other names with --rename FROM=TO)", name, strings.Join(have[:min(len(have), 8)], ", "))
		}
		if len(t.Shape) != dims {
			return nil, fmt.Errorf("tensor %q has shape %v, want %d dimensions", name, t.Shape, dims)
		}
		return t.Shape, nil
	}
	emb, err := shape("embedding.weight", 2)
	if err != nil {
		return Config{}, err
	}
	hh, err := shape("rnn.weight_hh_l0", 2)
	if err != nil {
		return Config{}, err
	}
	H := hh[1]
	if H < 1 || hh[0]%H != 0 {
		return Config{}, fmt.Errorf("rnn.weight_hh_l0 has shape %v, want [G*H, H]", hh)
	}
	G := hh[0] / H
	layers := 0
	for {
		if _, ok := ts["rnn.weight_ih_l"+strconv.Itoa(layers)]; !ok {
			break
		}
		layers++
	}
	for name := range ts {
		if strings.HasSuffix(name, "_reverse") {
			return Config{}, fmt.Errorf("tensor %q: bidirectional RNNs are not language models", name)
		}
		if strings.HasPrefix(name, "rnn.weight_hr") {
			return Config{}, fmt.Errorf("tensor %q: LSTM projections (proj_size) are not supported", name)
		}
	}
	want := map[int][]string{4: {"lstm"}, 3: {"gru", "gru_cho", "gru_minimal"}, 1: {"rnn_tanh", "rnn_relu"}}[G]
	switch {
	case want == nil:
		return Config{}, fmt.Errorf("rnn.weight_hh_l0 has %d gate blocks of %d (shape %v); want 4 (LSTM), 3 (GRU) or 1 (RNN)", G, H, hh)
	case cell == "":
		cell = want[0]
	case !slices.Contains(want, cell):
		return Config{}, fmt.Errorf("cell %q does not have %d gate blocks as rnn.weight_hh_l0 %v does (want one of %s)", cell, G, hh, strings.Join(want, ", "))
	}
	if _, err := nn.ParseCell(cell); err != nil {
		return Config{}, err
	}
	cfg := Config{Arch: Arch{Cell: cell, VocabSize: emb[0], EmbedDim: emb[1], Hidden: H, Layers: layers}}
	dec, ok := ts["decoder.weight"]
	switch {
	case !ok:
		cfg.Tied = true
	case cfg.EmbedDim == H && slices.Equal(dec.Shape, emb) && slices.Equal(dec.Data, ts["embedding.weight"].Data):
		cfg.Tied = true
	}
	if err := checkLayerShapes(ts, cfg, G); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// checkLayerShapes requires the weights whose size the model takes from
// the embedding and rnn.weight_hh_l0 (every layer's, and an untied
// decoder's) to have the shapes they imply, so that a file cannot make
// New allocate a model far larger than itself before SetParams compares
// the shapes.
func checkLayerShapes(ts map[string]checkpoint.Tensor, cfg Config, G int) error {
	want := func(name string, shape ...int) error {
		if t, ok := ts[name]; ok && !slices.Equal(t.Shape, shape) {
			return fmt.Errorf("tensor %q has shape %v, want %v (from embedding.weight [%d, %d] and rnn.weight_hh_l0 [%d, %d])",
				name, t.Shape, shape, cfg.VocabSize, cfg.EmbedDim, G*cfg.Hidden, cfg.Hidden)
		}
		return nil
	}
	for k := range cfg.Layers {
		in := cfg.Hidden
		if k == 0 {
			in = cfg.EmbedDim
		}
		if err := want("rnn.weight_ih_l"+strconv.Itoa(k), G*cfg.Hidden, in); err != nil {
			return err
		}
		if err := want("rnn.weight_hh_l"+strconv.Itoa(k), G*cfg.Hidden, cfg.Hidden); err != nil {
			return err
		}
	}
	if !cfg.Tied {
		return want("decoder.weight", cfg.VocabSize, cfg.Hidden)
	}
	return nil
}

// Logits runs chunk x [T*B] (time-major ids) from state st, which receives
// the final state, without dropout, and returns a new slice of the logits
// [T*B, V] (row t*B+b for time t, stream b), as PyTorch's
// decoder(rnn(embedding(x), state)[0]) gives them.
func (m *Model) Logits(x []int32, T, B int, st *State) ([]float32, error) {
	m.SetTraining(false)
	logits, err := m.forward(x, T, B, nil, st)
	if err != nil {
		return nil, err
	}
	return slices.Clone(logits), nil
}
