package checkpoint

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
)

// This file reads torch.save files without Python and without running any
// code from them. torch.save pickles the object; a state_dict pickles as an
// OrderedDict of tensors, each rebuilt by a call to
// torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...) whose
// storage is a persistent reference ("storage", torch.FloatStorage, key,
// location, numel) to raw little-endian data kept outside the pickle. The
// unpickler (pickle.go) interprets only the opcodes such a pickle uses and only
// the globals listed in torchGlobals; any other global (a model class, a
// function, a NumPy array) stops it with an error, so nothing in the file
// is ever called.
//
// Two layouts exist. Since PyTorch 1.6 the file is a zip archive:
// <name>/data.pkl holds the pickle and <name>/data/<key> each storage. The
// legacy layout is five pickles in a row (the magic number, the protocol
// version 1001, a dict of system information, the object, the list of
// storage keys) followed by the storages in that order, each an int64
// element count and the data.

// torchMagic is the legacy format's magic number, 0x1950a86a20f9469cfc6c,
// as the little-endian two's-complement bytes of pickle's LONG1.
var torchMagic = []byte{0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19}

// IsTorchFile reports whether b starts like a torch.save file: a zip
// archive holding a data.pkl, or the legacy format's magic number pickle.
func IsTorchFile(b []byte) bool {
	if isLegacyTorch(b) {
		return true
	}
	if len(b) < 4 || string(b[:4]) != "PK\x03\x04" {
		return false
	}
	_, err := torchZipPrefix(b)
	return err == nil
}

func isLegacyTorch(b []byte) bool {
	// PROTO 2, LONG1 of 10 bytes, then the magic.
	return len(b) >= 14 && b[0] == 0x80 && b[2] == 0x8a && b[3] == 10 && bytes.Equal(b[4:14], torchMagic)
}

// torchZipPrefix returns the directory of data.pkl in a torch zip archive.
func torchZipPrefix(b []byte) (string, error) {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return "", err
	}
	for _, f := range zr.File {
		if path.Base(f.Name) == "data.pkl" {
			return path.Dir(f.Name), nil
		}
	}
	return "", errors.New("no data.pkl")
}

// ReadTorch reads the tensors of a torch.save file held in b (zip or
// legacy format), a dict or OrderedDict of tensors such as
// torch.save(model.state_dict(), path) writes (or such a dict inside a
// training checkpoint's dict, see selectStateDict), as float32 (float64, float16
// and bfloat16 storages are converted; views with offsets and strides are
// copied out contiguously). Anything else in the pickle is refused before
// it could be built. The tensors may hold at most twice as many elements
// as b has bytes (plus 2^20): enough for tied weights, which are two views
// of one storage, but not for a file that views its storages over and
// over to make its reader allocate far more than its size.
func ReadTorch(b []byte) (map[string]Tensor, error) {
	var (
		obj      any
		storages map[string][]byte
		err      error
	)
	if isLegacyTorch(b) {
		obj, storages, err = readLegacyTorch(b)
	} else {
		obj, storages, err = readZipTorch(b)
	}
	if err != nil {
		return nil, err
	}
	d := obj.(*pyDict) // selectStateDict checked it
	out := make(map[string]Tensor, len(d.keys))
	budget := 2*int64(len(b)) + 1<<20 // elements the tensors may still hold
	for _, k := range d.keys {
		name, ok := k.(string)
		if !ok {
			return nil, fmt.Errorf("torch: state_dict key %s is not a string", pyRepr(k))
		}
		tt, ok := d.vals[k].(*torchTensor)
		if !ok {
			return nil, fmt.Errorf("torch: state_dict entry %q is a %s, not a tensor", name, pyTypeName(d.vals[k]))
		}
		t, err := tt.resolve(storages, &budget)
		if err != nil {
			return nil, fmt.Errorf("torch: tensor %q: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

// readZipTorch unpickles data.pkl of a zip archive, selects the state_dict
// (selectStateDict) and collects the storages it references.
func readZipTorch(b []byte) (any, map[string][]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, nil, fmt.Errorf("torch: %w", err)
	}
	prefix, err := torchZipPrefix(b)
	if err != nil {
		return nil, nil, errors.New("torch: a zip archive without data.pkl: not a torch.save file")
	}
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		files[f.Name] = f
	}
	// read reads entry name of at most limit bytes; a storage (limit is
	// the size the pickle claims) must be stored uncompressed, as
	// torch.save writes it, so that what is allocated is bounded by the
	// file's size.
	read := func(name string, limit int64, storage bool) ([]byte, error) {
		f, ok := files[name]
		if !ok {
			return nil, fmt.Errorf("torch: %s is missing from the archive", name)
		}
		if storage && f.Method != zip.Store {
			return nil, fmt.Errorf("torch: %s is compressed (zip method %d): torch.save stores tensor data uncompressed; save the file again with torch.save", name, f.Method)
		}
		if f.UncompressedSize64 > uint64(limit) {
			return nil, fmt.Errorf("torch: %s is %d bytes, more than the %d expected", name, f.UncompressedSize64, limit)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("torch: %s: %w", name, err)
		}
		defer rc.Close()
		data, err := io.ReadAll(io.LimitReader(rc, limit+1))
		if err != nil {
			return nil, fmt.Errorf("torch: %s: %w", name, err)
		}
		return data, nil
	}
	if bo, err := read(prefix+"/byteorder", 16, false); err == nil && string(bo) != "little" {
		return nil, nil, fmt.Errorf("torch: byte order %q: only little-endian files are read", bo)
	}
	pkl, err := read(prefix+"/data.pkl", MaxHeaderSize, false)
	if err != nil {
		return nil, nil, err
	}
	u := &unpickler{b: pkl}
	obj, err := u.run()
	if err != nil {
		return nil, nil, fmt.Errorf("torch: %s/data.pkl: %w", prefix, err)
	}
	sd, err := selectStateDict(obj)
	if err != nil {
		return nil, nil, err
	}
	storages := map[string][]byte{}
	var walkErr error
	walkTensors(sd, func(tt *torchTensor) {
		if _, done := storages[tt.st.key]; done || walkErr != nil {
			return
		}
		dtype, ok := torchStorages[tt.st.class]
		if !ok {
			return // reported by resolve
		}
		size, _ := dtypeSize(dtype)
		data, err := read(prefix+"/data/"+tt.st.key, tt.st.numel*int64(size), true)
		if err != nil {
			walkErr = err
			return
		}
		storages[tt.st.key] = data
	})
	return sd, storages, walkErr
}

// stateDictKeys are the keys under which training checkpoints commonly keep
// the model's state_dict, in order of preference.
var stateDictKeys = []string{"state_dict", "model_state_dict", "model", "net", "module"}

// selectStateDict returns the dict of tensors in obj: obj itself, or, for a
// training checkpoint such as {"epoch": 3, "model_state_dict": ...,
// "optimizer_state_dict": ...}, the one dict of tensors among its values
// (preferring the keys of stateDictKeys).
func selectStateDict(obj any) (*pyDict, error) {
	allTensors := func(v any) bool {
		d, ok := v.(*pyDict)
		if !ok || len(d.keys) == 0 {
			return false
		}
		for _, k := range d.keys {
			if _, ok := d.vals[k].(*torchTensor); !ok {
				return false
			}
		}
		return true
	}
	d, ok := obj.(*pyDict)
	if !ok {
		return nil, fmt.Errorf("torch: the file holds a %s, not a state_dict (a dict of tensors)", pyTypeName(obj))
	}
	if allTensors(d) {
		return d, nil
	}
	var names []string
	var found []any // the keys of the dicts of tensors
	for _, k := range d.keys {
		names = append(names, clipText([]byte(fmt.Sprint(k))))
		if allTensors(d.vals[k]) {
			found = append(found, k)
		}
	}
	for _, k := range stateDictKeys {
		if slices.Contains(found, any(k)) {
			return d.vals[k].(*pyDict), nil
		}
	}
	if len(found) == 1 {
		return d.vals[found[0]].(*pyDict), nil
	}
	return nil, fmt.Errorf("torch: the file holds a dict with keys %s, not a state_dict of tensors, and no single one of its values is one (found %d); save model.state_dict() itself",
		strings.Join(names[:min(len(names), 10)], ", "), len(found))
}

// readLegacyTorch reads the pre-1.6 layout and selects the state_dict.
func readLegacyTorch(b []byte) (any, map[string][]byte, error) {
	u := &unpickler{b: b}
	var parts [5]any
	for i := range parts {
		v, err := u.run()
		if err != nil {
			return nil, nil, fmt.Errorf("torch (legacy format): pickle %d of 5: %w", i+1, err)
		}
		parts[i] = v
	}
	if v, _ := parts[1].(int64); v != 1001 {
		return nil, nil, fmt.Errorf("torch (legacy format): protocol version %s, want 1001", pyRepr(parts[1]))
	}
	if info, ok := parts[2].(*pyDict); ok {
		if le, ok := info.vals["little_endian"].(bool); ok && !le {
			return nil, nil, errors.New("torch (legacy format): written on a big-endian machine: not supported")
		}
	}
	keys, ok := parts[4].(*pyList)
	if !ok {
		return nil, nil, fmt.Errorf("torch (legacy format): storage key list is a %s", pyTypeName(parts[4]))
	}
	// The element size of each storage, from the tensors referencing it
	// (all of them, to step over those of other tensors than the
	// state_dict's, such as an optimizer's int64 step counts).
	esize := map[string]int{}
	walkTensors(parts[3], func(tt *torchTensor) {
		if n, ok := storageElemSize[tt.st.class]; ok {
			esize[tt.st.key] = n
		}
	})
	storages := map[string][]byte{}
	pos := u.pos
	for _, k := range keys.items {
		key, ok := k.(string)
		if !ok {
			return nil, nil, fmt.Errorf("torch (legacy format): storage key %s is not a string", pyRepr(k))
		}
		if pos+8 > len(b) {
			return nil, nil, fmt.Errorf("torch (legacy format): storage %q: file ends early (truncated?)", key)
		}
		n := int64(binary.LittleEndian.Uint64(b[pos:]))
		pos += 8
		size, ok := esize[key]
		if !ok {
			return nil, nil, fmt.Errorf("torch (legacy format): storage %q of an unsupported type", key)
		}
		if n < 0 || n > int64(len(b)-pos)/int64(size) {
			return nil, nil, fmt.Errorf("torch (legacy format): storage %q of %d elements exceeds the %d bytes left (truncated file?)", key, n, len(b)-pos)
		}
		storages[key] = b[pos : pos+int(n)*size]
		pos += int(n) * size
	}
	sd, err := selectStateDict(parts[3])
	if err != nil {
		return nil, nil, err
	}
	return sd, storages, nil
}
