package checkpoint

import (
	"fmt"
	"math"
)

// Rebuilding the tensors of a torch.save file: the unpickler (pickle.go)
// yields torchTensor views of storages, and resolve copies each view out of
// its storage's raw bytes as float32.

// torchStorages maps the storage classes to safetensors dtype names.
var torchStorages = map[string]string{
	"torch.FloatStorage":    "F32",
	"torch.DoubleStorage":   "F64",
	"torch.HalfStorage":     "F16",
	"torch.BFloat16Storage": "BF16",
}

// storageElemSize is the element size of every storage class accepted.
var storageElemSize = map[string]int{
	"torch.FloatStorage": 4, "torch.DoubleStorage": 8, "torch.HalfStorage": 2, "torch.BFloat16Storage": 2,
	"torch.LongStorage": 8, "torch.IntStorage": 4, "torch.ByteStorage": 1, "torch.BoolStorage": 1,
}

// resolve copies the tensor's elements out of its storage, taking their
// count from *budget first (an error when it does not have that many).
func (tt *torchTensor) resolve(storages map[string][]byte, budget *int64) (Tensor, error) {
	dtype, ok := torchStorages[tt.st.class]
	if !ok {
		return Tensor{}, fmt.Errorf("storage of %s, want float32, float64, float16 or bfloat16 tensors", tt.st.class)
	}
	raw, ok := storages[tt.st.key]
	if !ok {
		return Tensor{}, fmt.Errorf("storage %q is missing from the file", tt.st.key)
	}
	esize, _ := dtypeSize(dtype)
	if int64(len(raw)) != tt.st.numel*int64(esize) {
		return Tensor{}, fmt.Errorf("storage %q holds %d bytes, its reference says %d %s elements", tt.st.key, len(raw), tt.st.numel, dtype)
	}
	shape := make([]int, len(tt.size))
	last := tt.offset // largest element index touched
	for i, s := range tt.size {
		if s > math.MaxInt32 {
			return Tensor{}, fmt.Errorf("dimension %d too large", s)
		}
		shape[i] = int(s)
		if s > 1 {
			if tt.stride[i] > (math.MaxInt64-last)/(s-1) {
				return Tensor{}, fmt.Errorf("size %v stride %v overflow", tt.size, tt.stride)
			}
			last += (s - 1) * tt.stride[i]
		}
	}
	count, err := numel(shape)
	if err != nil {
		return Tensor{}, err
	}
	if int64(count) > max(tt.st.numel, 1<<20) {
		return Tensor{}, fmt.Errorf("size %v has %d elements, more than its storage of %d (a broadcast view? save a contiguous copy)", tt.size, count, tt.st.numel)
	}
	if count > 0 && last >= tt.st.numel {
		return Tensor{}, fmt.Errorf("size %v stride %v offset %d reaches element %d of a storage of %d", tt.size, tt.stride, tt.offset, last, tt.st.numel)
	}
	if int64(count) > *budget {
		return Tensor{}, fmt.Errorf("size %v: the tensors so far add up to more elements than twice the file's bytes (does it view its storages over and over?)", tt.size)
	}
	*budget -= int64(count)
	if count == 0 {
		return Tensor{Shape: shape, Data: []float32{}}, nil
	}
	// Decode only the span the view covers (a GPU-trained RNN keeps all its
	// weights as views of one flattened storage), or, for a strided view,
	// only its own elements (its span may be a whole storage for each of
	// thousands of views).
	if contiguous(tt.size, tt.stride) {
		return Tensor{Shape: shape, Data: decode(dtype, raw[tt.offset*int64(esize):], count)}, nil
	}
	data := make([]float32, count)
	idx := make([]int64, len(shape))
	for n := range data {
		pos := tt.offset
		for i, k := range idx {
			pos += k * tt.stride[i]
		}
		data[n] = decodeAt(dtype, raw, pos)
		for i := len(idx) - 1; i >= 0; i-- {
			idx[i]++
			if idx[i] < tt.size[i] {
				break
			}
			idx[i] = 0
		}
	}
	return Tensor{Shape: shape, Data: data}, nil
}

// contiguous reports whether strides are the row-major ones of size
// (dimensions of size 1 may have any stride).
func contiguous(size, stride []int64) bool {
	want := int64(1)
	for i := len(size) - 1; i >= 0; i-- {
		if size[i] != 1 && stride[i] != want {
			return false
		}
		want *= size[i]
	}
	return true
}
