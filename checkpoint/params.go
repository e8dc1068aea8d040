package checkpoint

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/recurrent-go/recurrent/nn"
)

// ParamTensors returns the parameters as a tensor map keyed by Param.Name,
// sharing their Data (nothing is copied). It fails on empty or duplicate
// names and on data that does not match the shape.
func ParamTensors(ps []*nn.Param) (map[string]Tensor, error) {
	m := make(map[string]Tensor, len(ps))
	for _, p := range ps {
		if p.Name == "" {
			return nil, fmt.Errorf("checkpoint: parameter with shape %v has no name", p.Shape)
		}
		if _, dup := m[p.Name]; dup {
			return nil, fmt.Errorf("checkpoint: duplicate parameter name %q", p.Name)
		}
		n, err := numel(p.Shape)
		if err != nil {
			return nil, fmt.Errorf("checkpoint: parameter %q: %w", p.Name, err)
		}
		if n != len(p.Data) {
			return nil, fmt.Errorf("checkpoint: parameter %q: shape %v needs %d elements, data has %d", p.Name, p.Shape, n, len(p.Data))
		}
		m[p.Name] = Tensor{Shape: p.Shape, Data: p.Data}
	}
	return m, nil
}

// WriteParams writes the parameters' data as a safetensors file named by
// Param.Name (the PyTorch state_dict names).
func WriteParams(w io.Writer, ps []*nn.Param, meta map[string]string) error {
	m, err := ParamTensors(ps)
	if err != nil {
		return err
	}
	return WriteSafetensors(w, m, meta)
}

// SetParams copies tensors into the parameters' Data by name. Every
// parameter must have a tensor of exactly its shape and finite values, and
// every tensor must belong to a parameter; otherwise SetParams changes nothing and returns an
// error listing the missing, unexpected and mismatched names.
func SetParams(ps []*nn.Param, tensors map[string]Tensor) error {
	var missing, mismatched []string
	used := make(map[string]bool, len(ps))
	for _, p := range ps {
		if used[p.Name] {
			return fmt.Errorf("checkpoint: duplicate parameter name %q", p.Name)
		}
		used[p.Name] = true
		t, ok := tensors[p.Name]
		switch {
		case !ok:
			missing = append(missing, p.Name)
		case !slices.Equal(t.Shape, p.Shape) || len(t.Data) != len(p.Data):
			mismatched = append(mismatched, fmt.Sprintf("%s (file %v, model %v)", p.Name, t.Shape, p.Shape))
		default:
			if i := nonFinite(t.Data); i >= 0 {
				return fmt.Errorf("checkpoint: parameter %q holds %v at index %d: the weights are not usable (did training diverge?)", p.Name, t.Data[i], i)
			}
		}
	}
	var extra []string
	for name := range tensors {
		if !used[name] {
			extra = append(extra, name)
		}
	}
	slices.Sort(extra)
	if len(missing)+len(mismatched)+len(extra) > 0 {
		var parts []string
		if len(missing) > 0 {
			parts = append(parts, "missing "+strings.Join(missing, ", "))
		}
		if len(extra) > 0 {
			parts = append(parts, "unexpected "+strings.Join(extra, ", "))
		}
		if len(mismatched) > 0 {
			parts = append(parts, "shape mismatch "+strings.Join(mismatched, ", "))
		}
		return fmt.Errorf("checkpoint: parameters do not match the tensors: %s", strings.Join(parts, "; "))
	}
	for _, p := range ps {
		copy(p.Data, tensors[p.Name].Data)
	}
	return nil
}

// ReadParams parses a safetensors file held in b into the parameters (see
// SetParams) and returns its metadata.
func ReadParams(b []byte, ps []*nn.Param) (map[string]string, error) {
	tensors, meta, err := ReadSafetensors(b)
	if err != nil {
		return nil, err
	}
	if err := SetParams(ps, tensors); err != nil {
		return nil, err
	}
	return meta, nil
}

// nonFinite returns the index of the first NaN or infinity in x, or -1.
func nonFinite(x []float32) int {
	for i, v := range x {
		if v-v != 0 { // NaN - NaN and Inf - Inf are NaN
			return i
		}
	}
	return -1
}
