package checkpoint

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path"
	"slices"
	"strings"
	"unicode/utf8"
)

// This file reads torch.save files without Python and without running any
// code from them. torch.save pickles the object; a state_dict pickles as an
// OrderedDict of tensors, each rebuilt by a call to
// torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...) whose
// storage is a persistent reference ("storage", torch.FloatStorage, key,
// location, numel) to raw little-endian data kept outside the pickle. The
// unpickler here interprets only the opcodes such a pickle uses and only
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

// torchGlobals are the only globals the unpickler accepts.
var torchGlobals = map[string]bool{
	"collections.OrderedDict":         true,
	"torch._utils._rebuild_tensor_v2": true,
	"torch._utils._rebuild_tensor":    true,
	"torch._utils._rebuild_parameter": true,
	"torch.FloatStorage":              true,
	"torch.DoubleStorage":             true,
	"torch.HalfStorage":               true,
	"torch.BFloat16Storage":           true,
	"torch.LongStorage":               true, // refused with a clear error when a tensor uses it
	"torch.IntStorage":                true,
	"torch.ByteStorage":               true,
	"torch.BoolStorage":               true,
}

// Python values built by the unpickler.
type (
	pyMark   struct{}
	pyTuple  []any
	pyList   struct{ items []any }
	pyGlobal string // "module.name"
	pyLong   []byte // an integer too large for int64 (little-endian two's complement)
	pyDict   struct {
		keys []any
		vals map[any]any
	}
	// storageRef is a persistent reference to raw tensor data.
	storageRef struct {
		class, key string
		numel      int64
	}
	// torchTensor is a tensor whose storage is resolved after unpickling.
	torchTensor struct {
		st           storageRef
		offset       int64
		size, stride []int64
	}
)

func newDict() *pyDict { return &pyDict{vals: map[any]any{}} }

func (d *pyDict) set(k, v any) error {
	switch k.(type) {
	case string, int64, bool, nil:
	default:
		return fmt.Errorf("dictionary key of type %T", k)
	}
	if _, ok := d.vals[k]; !ok {
		d.keys = append(d.keys, k)
	}
	d.vals[k] = v
	return nil
}

// opWidth is the byte width of the integer argument of the opcodes that
// have one: memo indexes, string lengths, small ints.
var opWidth = map[byte]int{
	'q': 1, 'r': 4, 'h': 1, 'j': 4, // BINPUT, LONG_BINPUT, BINGET, LONG_BINGET
	'X': 4, 'T': 4, 'B': 4, // BINUNICODE, BINSTRING, BINBYTES
	0x8c: 1, 'U': 1, 'C': 1, // SHORT_BINUNICODE, SHORT_BINSTRING, SHORT_BINBYTES
	0x8d: 8, 0x8e: 8, // BINUNICODE8, BINBYTES8
	'K': 1, 'M': 2, // BININT1, BININT2
}

// unpickler runs the restricted pickle machine over b from pos.
type unpickler struct {
	b     []byte
	pos   int
	stack []any
	memo  map[int]any
}

func (u *unpickler) errf(format string, a ...any) error {
	return fmt.Errorf("pickle byte %d: %s", u.pos, fmt.Sprintf(format, a...))
}

func (u *unpickler) take(n int) ([]byte, error) {
	if n < 0 || n > len(u.b)-u.pos {
		return nil, u.errf("needs %d bytes, %d left (truncated file?)", n, len(u.b)-u.pos)
	}
	s := u.b[u.pos : u.pos+n]
	u.pos += n
	return s, nil
}

// uint reads an n-byte little-endian unsigned integer.
func (u *unpickler) uint(n int) (uint64, error) {
	b, err := u.take(n)
	if err != nil {
		return 0, err
	}
	var x uint64
	for i := n - 1; i >= 0; i-- {
		x = x<<8 | uint64(b[i])
	}
	return x, nil
}

func (u *unpickler) pop() (any, error) {
	if len(u.stack) == 0 {
		return nil, u.errf("stack underflow")
	}
	v := u.stack[len(u.stack)-1]
	u.stack = u.stack[:len(u.stack)-1]
	if _, ok := v.(pyMark); ok {
		return nil, u.errf("unexpected mark")
	}
	return v, nil
}

// popMark pops the values above the topmost mark, and the mark.
func (u *unpickler) popMark() ([]any, error) {
	for i := len(u.stack) - 1; i >= 0; i-- {
		if _, ok := u.stack[i].(pyMark); ok {
			items := append([]any(nil), u.stack[i+1:]...)
			u.stack = u.stack[:i]
			return items, nil
		}
	}
	return nil, u.errf("no mark on the stack")
}

func (u *unpickler) top() (any, error) {
	if len(u.stack) == 0 {
		return nil, u.errf("stack underflow")
	}
	return u.stack[len(u.stack)-1], nil
}

// global resolves a GLOBAL or STACK_GLOBAL, refusing what is not listed.
func (u *unpickler) global(module, name string) (any, error) {
	full := module + "." + name
	if !torchGlobals[full] {
		hint := "only tensors and ordered dicts are read; "
		if strings.HasPrefix(module, "__main__") || !strings.HasPrefix(module, "torch") && module != "collections" {
			hint += "the file pickles other Python objects, such as a whole model saved with torch.save(model): load it in Python and save model.state_dict() instead"
		} else {
			hint += "save the model's state_dict() with plain tensors"
		}
		return nil, fmt.Errorf("refusing to load the Python global %s (%s)", full, hint)
	}
	return pyGlobal(full), nil
}

// reduce applies an accepted callable to its arguments.
func (u *unpickler) reduce(fn any, args pyTuple) (any, error) {
	g, ok := fn.(pyGlobal)
	if !ok {
		return nil, u.errf("call of a %T", fn)
	}
	ints := func(v any, what string) ([]int64, error) {
		t, ok := v.(pyTuple)
		if !ok {
			return nil, fmt.Errorf("%s: %s is a %T, want a tuple", g, what, v)
		}
		out := make([]int64, len(t))
		for i, x := range t {
			n, ok := x.(int64)
			if !ok || n < 0 {
				return nil, fmt.Errorf("%s: %s[%d] = %v, want a non-negative integer", g, what, i, x)
			}
			out[i] = n
		}
		return out, nil
	}
	switch g {
	case "collections.OrderedDict":
		if len(args) != 0 {
			return nil, u.errf("OrderedDict with %d arguments", len(args))
		}
		return newDict(), nil
	case "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2":
		if len(args) < 4 {
			return nil, u.errf("%s with %d arguments, want at least 4", g, len(args))
		}
		st, ok := args[0].(storageRef)
		if !ok {
			return nil, u.errf("%s: storage is a %T", g, args[0])
		}
		off, ok := args[1].(int64)
		if !ok || off < 0 {
			return nil, u.errf("%s: storage offset %v", g, args[1])
		}
		size, err := ints(args[2], "size")
		if err != nil {
			return nil, err
		}
		stride, err := ints(args[3], "stride")
		if err != nil {
			return nil, err
		}
		if len(size) != len(stride) {
			return nil, u.errf("%s: size %v and stride %v differ in length", g, size, stride)
		}
		return &torchTensor{st: st, offset: off, size: size, stride: stride}, nil
	case "torch._utils._rebuild_parameter":
		if len(args) < 1 {
			return nil, u.errf("%s without arguments", g)
		}
		if _, ok := args[0].(*torchTensor); !ok {
			return nil, u.errf("%s of a %T", g, args[0])
		}
		return args[0], nil
	}
	return nil, u.errf("%s cannot be called", g)
}

// persistent resolves a BINPERSID reference to a storage.
func (u *unpickler) persistent(pid any) (any, error) {
	t, ok := pid.(pyTuple)
	if !ok || len(t) < 5 || t[0] != "storage" {
		return nil, u.errf("persistent id %v is not a storage reference", pid)
	}
	class, ok1 := t[1].(pyGlobal)
	key, ok2 := t[2].(string)
	numel, ok3 := t[4].(int64)
	if !ok1 || !ok2 || !ok3 || numel < 0 {
		return nil, u.errf("malformed storage reference %v", t)
	}
	return storageRef{class: string(class), key: key, numel: numel}, nil
}

// run interprets one pickle from u.pos up to its STOP and returns its value.
func (u *unpickler) run() (any, error) {
	u.stack = u.stack[:0]
	u.memo = map[int]any{}
	for {
		op, err := u.take(1)
		if err != nil {
			return nil, err
		}
		switch op[0] {
		case 0x80: // PROTO
			v, err := u.take(1)
			if err != nil {
				return nil, err
			}
			if v[0] > 5 {
				return nil, u.errf("pickle protocol %d", v[0])
			}
		case 0x95: // FRAME (a length hint)
			if _, err := u.uint(8); err != nil {
				return nil, err
			}
		case '.': // STOP
			return u.pop()
		case '(': // MARK
			u.stack = append(u.stack, pyMark{})
		case '}': // EMPTY_DICT
			u.stack = append(u.stack, newDict())
		case ']': // EMPTY_LIST
			u.stack = append(u.stack, &pyList{})
		case ')': // EMPTY_TUPLE
			u.stack = append(u.stack, pyTuple{})
		case 't': // TUPLE
			items, err := u.popMark()
			if err != nil {
				return nil, err
			}
			u.stack = append(u.stack, pyTuple(items))
		case 0x85, 0x86, 0x87: // TUPLE1, TUPLE2, TUPLE3
			n := int(op[0] - 0x84)
			if len(u.stack) < n {
				return nil, u.errf("stack underflow")
			}
			t := make(pyTuple, n)
			for i := n - 1; i >= 0; i-- {
				if t[i], err = u.pop(); err != nil {
					return nil, err
				}
			}
			u.stack = append(u.stack, t)
		case 'q', 'r', 0x94: // BINPUT, LONG_BINPUT, MEMOIZE
			v, err := u.top()
			if err != nil {
				return nil, err
			}
			idx := uint64(len(u.memo))
			if op[0] != 0x94 {
				if idx, err = u.uint(opWidth[op[0]]); err != nil {
					return nil, err
				}
			}
			u.memo[int(idx)] = v
		case 'h', 'j': // BINGET, LONG_BINGET
			idx, err := u.uint(opWidth[op[0]])
			if err != nil {
				return nil, err
			}
			v, ok := u.memo[int(idx)]
			if !ok {
				return nil, u.errf("memo %d not set", idx)
			}
			u.stack = append(u.stack, v)
		case 'X', 'T', 'B', 0x8c, 'U', 'C', 0x8d, 0x8e: // unicode and byte strings, by length width
			n, err := u.uint(opWidth[op[0]])
			if err != nil {
				return nil, err
			}
			if n > math.MaxInt32 {
				return nil, u.errf("string of %d bytes", n)
			}
			b, err := u.take(int(n))
			if err != nil {
				return nil, err
			}
			u.stack = append(u.stack, string(b))
		case 'c': // GLOBAL "module\nname\n"
			var parts [2]string
			for i := range parts {
				nl := bytes.IndexByte(u.b[u.pos:], '\n')
				if nl < 0 || nl > 256 {
					return nil, u.errf("malformed GLOBAL")
				}
				parts[i] = string(u.b[u.pos : u.pos+nl])
				u.pos += nl + 1
			}
			g, err := u.global(parts[0], parts[1])
			if err != nil {
				return nil, err
			}
			u.stack = append(u.stack, g)
		case 0x93: // STACK_GLOBAL
			name, err := u.pop()
			if err != nil {
				return nil, err
			}
			module, err := u.pop()
			if err != nil {
				return nil, err
			}
			ms, ok1 := module.(string)
			ns, ok2 := name.(string)
			if !ok1 || !ok2 {
				return nil, u.errf("STACK_GLOBAL of %T, %T", module, name)
			}
			g, err := u.global(ms, ns)
			if err != nil {
				return nil, err
			}
			u.stack = append(u.stack, g)
		case 'J': // BININT
			x, err := u.uint(4)
			if err != nil {
				return nil, err
			}
			u.stack = append(u.stack, int64(int32(x)))
		case 'K', 'M': // BININT1, BININT2
			x, err := u.uint(opWidth[op[0]])
			if err != nil {
				return nil, err
			}
			u.stack = append(u.stack, int64(x))
		case 0x8a: // LONG1
			b, err := u.take(1)
			if err != nil {
				return nil, err
			}
			v, err := u.take(int(b[0]))
			if err != nil {
				return nil, err
			}
			if len(v) > 8 {
				u.stack = append(u.stack, pyLong(v))
				break
			}
			var x int64
			for i := len(v) - 1; i >= 0; i-- {
				x = x<<8 | int64(v[i])
			}
			if len(v) > 0 && len(v) < 8 && v[len(v)-1]&0x80 != 0 {
				x -= 1 << (8 * len(v))
			}
			u.stack = append(u.stack, x)
		case 'N': // NONE
			u.stack = append(u.stack, nil)
		case 0x88, 0x89: // NEWTRUE, NEWFALSE
			u.stack = append(u.stack, op[0] == 0x88)
		case 'G': // BINFLOAT (big-endian)
			b, err := u.take(8)
			if err != nil {
				return nil, err
			}
			u.stack = append(u.stack, math.Float64frombits(binary.BigEndian.Uint64(b)))
		case 'Q': // BINPERSID
			pid, err := u.pop()
			if err != nil {
				return nil, err
			}
			v, err := u.persistent(pid)
			if err != nil {
				return nil, err
			}
			u.stack = append(u.stack, v)
		case 'R': // REDUCE
			args, err := u.pop()
			if err != nil {
				return nil, err
			}
			fn, err := u.pop()
			if err != nil {
				return nil, err
			}
			t, ok := args.(pyTuple)
			if !ok {
				return nil, u.errf("REDUCE arguments are a %T", args)
			}
			v, err := u.reduce(fn, t)
			if err != nil {
				return nil, err
			}
			u.stack = append(u.stack, v)
		case 's', 'u': // SETITEM, SETITEMS
			var kv []any
			if op[0] == 's' {
				v, err := u.pop()
				if err != nil {
					return nil, err
				}
				k, err := u.pop()
				if err != nil {
					return nil, err
				}
				kv = []any{k, v}
			} else if kv, err = u.popMark(); err != nil {
				return nil, err
			}
			if len(kv)%2 != 0 {
				return nil, u.errf("odd number of dictionary items")
			}
			top, err := u.top()
			if err != nil {
				return nil, err
			}
			d, ok := top.(*pyDict)
			if !ok {
				return nil, u.errf("SETITEM on a %T", top)
			}
			for i := 0; i < len(kv); i += 2 {
				if err := d.set(kv[i], kv[i+1]); err != nil {
					return nil, u.errf("%v", err)
				}
			}
		case 'a', 'e': // APPEND, APPENDS
			var items []any
			if op[0] == 'a' {
				v, err := u.pop()
				if err != nil {
					return nil, err
				}
				items = []any{v}
			} else if items, err = u.popMark(); err != nil {
				return nil, err
			}
			top, err := u.top()
			if err != nil {
				return nil, err
			}
			l, ok := top.(*pyList)
			if !ok {
				return nil, u.errf("APPEND on a %T", top)
			}
			l.items = append(l.items, items...)
		case 'b': // BUILD: only an OrderedDict's attributes (state_dict's _metadata), ignored
			if _, err := u.pop(); err != nil {
				return nil, err
			}
			top, err := u.top()
			if err != nil {
				return nil, err
			}
			if _, ok := top.(*pyDict); !ok {
				return nil, u.errf("BUILD of a %T", top)
			}
		default:
			return nil, u.errf("unsupported pickle opcode 0x%02x (not a state_dict of tensors?)", op[0])
		}
		if len(u.stack) > 1<<20 {
			return nil, u.errf("stack too deep")
		}
	}
}

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
// it could be built.
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
	for _, k := range d.keys {
		name, ok := k.(string)
		if !ok {
			return nil, fmt.Errorf("torch: state_dict key %v is not a string", k)
		}
		tt, ok := d.vals[k].(*torchTensor)
		if !ok {
			return nil, fmt.Errorf("torch: state_dict entry %q is a %s, not a tensor", name, pyTypeName(d.vals[k]))
		}
		t, err := tt.resolve(storages)
		if err != nil {
			return nil, fmt.Errorf("torch: tensor %q: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

func pyTypeName(v any) string {
	switch v.(type) {
	case *pyDict:
		return "dict"
	case *pyList:
		return "list"
	case pyTuple:
		return "tuple"
	case *torchTensor:
		return "tensor"
	case string:
		return "string"
	case nil:
		return "None"
	}
	return fmt.Sprintf("%T", v)
}

// resolve copies the tensor's elements out of its storage.
func (tt *torchTensor) resolve(storages map[string][]byte) (Tensor, error) {
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
	if count == 0 {
		return Tensor{Shape: shape, Data: []float32{}}, nil
	}
	// Decode only the span the view covers (a GPU-trained RNN keeps all its
	// weights as views of one flattened storage).
	span := decode(dtype, raw[tt.offset*int64(esize):(last+1)*int64(esize)], int(last+1-tt.offset))
	if contiguous(tt.size, tt.stride) {
		return Tensor{Shape: shape, Data: span[:count]}, nil
	}
	data := make([]float32, count)
	idx := make([]int64, len(shape))
	for n := range data {
		var pos int64
		for i, k := range idx {
			pos += k * tt.stride[i]
		}
		data[n] = span[pos]
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
	read := func(name string, limit int64) ([]byte, error) {
		f, ok := files[name]
		if !ok {
			return nil, fmt.Errorf("torch: %s is missing from the archive", name)
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
	if bo, err := read(prefix+"/byteorder", 16); err == nil && string(bo) != "little" {
		return nil, nil, fmt.Errorf("torch: byte order %q: only little-endian files are read", bo)
	}
	pkl, err := read(prefix+"/data.pkl", MaxHeaderSize)
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
		data, err := read(prefix+"/data/"+tt.st.key, tt.st.numel*int64(size))
		if err != nil {
			walkErr = err
			return
		}
		storages[tt.st.key] = data
	})
	return sd, storages, walkErr
}

// walkTensors calls fn for every tensor in obj, looking into dicts, lists
// and tuples.
func walkTensors(obj any, fn func(*torchTensor)) {
	switch o := obj.(type) {
	case *torchTensor:
		fn(o)
	case *pyDict:
		for _, k := range o.keys {
			walkTensors(o.vals[k], fn)
		}
	case *pyList:
		for _, v := range o.items {
			walkTensors(v, fn)
		}
	case pyTuple:
		for _, v := range o {
			walkTensors(v, fn)
		}
	}
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
	var names, found []string
	for _, k := range d.keys {
		name := fmt.Sprint(k)
		names = append(names, name)
		if allTensors(d.vals[k]) {
			found = append(found, name)
		}
	}
	for _, k := range stateDictKeys {
		if slices.Contains(found, k) {
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
		return nil, nil, fmt.Errorf("torch (legacy format): protocol version %v, want 1001", parts[1])
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
			return nil, nil, fmt.Errorf("torch (legacy format): storage key %v is not a string", k)
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

// ReadTensorFile reads the tensors of a safetensors file or a torch.save
// file (zip or legacy), deciding by content. A file that is neither gets an
// error that says what it looks like and how to convert it.
func ReadTensorFile(p string) (map[string]Tensor, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	switch {
	case IsTorchFile(b):
		ts, err := ReadTorch(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		return ts, nil
	case looksSafetensors(b):
		ts, _, err := ReadSafetensors(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		return ts, nil
	}
	return nil, fmt.Errorf("%s is neither a safetensors file nor a torch.save file: it %s; "+
		"in Python save the weights with torch.save(model.state_dict(), \"m.pt\") or "+
		"safetensors.torch.save_file(model.state_dict(), \"m.safetensors\")", p, DescribeFile(b))
}

// looksSafetensors reports whether b starts with a plausible safetensors
// header: a length that fits the file, then '{'.
func looksSafetensors(b []byte) bool {
	if len(b) < 10 {
		return false
	}
	n := binary.LittleEndian.Uint64(b)
	return n >= 2 && n <= uint64(len(b)-8) && b[8] == '{'
}

// DescribeFile says, from its first bytes, what kind of file b looks like,
// as a phrase ("looks like ...") for error messages.
func DescribeFile(b []byte) string {
	head := b[:min(len(b), 64)]
	switch {
	case len(b) == 0:
		return "is empty"
	case len(b) >= 4 && string(b[:4]) == "PK\x03\x04":
		if _, err := torchZipPrefix(b); err != nil {
			return "is a zip archive without data.pkl (a NumPy .npz or another tool's archive, not torch.save)"
		}
		return "is a torch.save zip archive"
	case len(b) >= 2 && b[0] == 0x80 && b[1] >= 2 && b[1] <= 5:
		return "looks like a Python pickle that is not a torch.save file (a gensim .kv/.model or pickle.dump file?)"
	case len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b:
		return "is gzip-compressed (decompress it first)"
	case len(b) >= 8 && string(b[:8]) == "\x89HDF\r\n\x1a\n":
		return "is an HDF5 file (a Keras .h5 model?)"
	case len(b) >= 6 && string(b[:6]) == "\x93NUMPY":
		return "is a NumPy .npy array"
	case len(b) >= 4 && binary.LittleEndian.Uint32(b) == 793712314:
		return "is a fastText model (.bin)"
	case (len(b) < 8 || binary.LittleEndian.Uint64(b) > uint64(len(b))) && isText(head):
		return fmt.Sprintf("is a text file (starting %q)", clipText(head))
	}
	return fmt.Sprintf("has an unknown binary layout (first bytes % x)", head[:min(len(head), 16)])
}

// isText reports whether b is UTF-8 (but for a character cut at its end)
// without control characters other than white space.
func isText(b []byte) bool {
	for k := 0; k < 3 && len(b) > 0 && !utf8.Valid(b); k++ {
		b = b[:len(b)-1]
	}
	if !utf8.Valid(b) {
		return false
	}
	for _, c := range b {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' {
			return false
		}
	}
	return true
}

func clipText(b []byte) string {
	s := string(b)
	if len(s) > 40 {
		s = s[:40]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "..."
	}
	return s
}
