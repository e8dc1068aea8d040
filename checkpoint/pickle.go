package checkpoint

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// The restricted unpickler of torch.save files (torch.go): it interprets
// only the opcodes a pickled state_dict uses and builds only the globals
// listed in torchGlobals, so nothing in a file is ever called. The tensors
// it yields are copied out of their storages by torchtensor.go.

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

// push pushes v, the result of a call that returned it with err, unless
// err is set; it returns err.
func (u *unpickler) push(v any, err error) error {
	if err == nil {
		u.stack = append(u.stack, v)
	}
	return err
}

// topAs returns the top of the stack, which op needs to be a T.
func topAs[T any](u *unpickler, op string) (T, error) {
	var zero T
	top, err := u.top()
	if err != nil {
		return zero, err
	}
	t, ok := top.(T)
	if !ok {
		return zero, u.errf("%s on a %T", op, top)
	}
	return t, nil
}

// popN pops the top n values and returns them deepest first.
func (u *unpickler) popN(n int) ([]any, error) {
	if len(u.stack) < n {
		return nil, u.errf("stack underflow")
	}
	vs := make([]any, n)
	for i := n - 1; i >= 0; i-- {
		v, err := u.pop()
		if err != nil {
			return nil, err
		}
		vs[i] = v
	}
	return vs, nil
}

// popItems pops the operands of SETITEM/APPEND (single: the top n values)
// or of SETITEMS/APPENDS (the values above the topmost mark), deepest
// first.
func (u *unpickler) popItems(single bool, n int) ([]any, error) {
	if single {
		return u.popN(n)
	}
	return u.popMark()
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
				return nil, fmt.Errorf("%s: %s[%d] = %s, want a non-negative integer", g, what, i, pyRepr(x))
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
			return nil, u.errf("%s: storage offset %s", g, pyRepr(args[1]))
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
		return nil, u.errf("persistent id %s is not a storage reference", pyRepr(pid))
	}
	class, ok1 := t[1].(pyGlobal)
	key, ok2 := t[2].(string)
	numel, ok3 := t[4].(int64)
	if !ok1 || !ok2 || !ok3 || numel < 0 {
		return nil, u.errf("malformed storage reference %s", pyRepr(t))
	}
	if numel > math.MaxInt64/8 { // its byte size (8 bytes an element at most) must not overflow
		return nil, u.errf("storage %q of %d elements is too large", key, numel)
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
			items, err := u.popN(int(op[0] - 0x84))
			if err != nil {
				return nil, err
			}
			u.stack = append(u.stack, pyTuple(items))
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
			if err := u.push(u.global(parts[0], parts[1])); err != nil {
				return nil, err
			}
		case 0x93: // STACK_GLOBAL
			mn, err := u.popN(2)
			if err != nil {
				return nil, err
			}
			ms, ok1 := mn[0].(string)
			ns, ok2 := mn[1].(string)
			if !ok1 || !ok2 {
				return nil, u.errf("STACK_GLOBAL of %T, %T", mn[0], mn[1])
			}
			if err := u.push(u.global(ms, ns)); err != nil {
				return nil, err
			}
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
			if err := u.push(u.persistent(pid)); err != nil {
				return nil, err
			}
		case 'R': // REDUCE
			fa, err := u.popN(2)
			if err != nil {
				return nil, err
			}
			t, ok := fa[1].(pyTuple)
			if !ok {
				return nil, u.errf("REDUCE arguments are a %T", fa[1])
			}
			if err := u.push(u.reduce(fa[0], t)); err != nil {
				return nil, err
			}
		case 's', 'u': // SETITEM, SETITEMS
			kv, err := u.popItems(op[0] == 's', 2)
			if err != nil {
				return nil, err
			}
			if len(kv)%2 != 0 {
				return nil, u.errf("odd number of dictionary items")
			}
			d, err := topAs[*pyDict](u, "SETITEM")
			if err != nil {
				return nil, err
			}
			for i := 0; i < len(kv); i += 2 {
				if err := d.set(kv[i], kv[i+1]); err != nil {
					return nil, u.errf("%v", err)
				}
			}
		case 'a', 'e': // APPEND, APPENDS
			items, err := u.popItems(op[0] == 'a', 1)
			if err != nil {
				return nil, err
			}
			l, err := topAs[*pyList](u, "APPEND")
			if err != nil {
				return nil, err
			}
			l.items = append(l.items, items...)
		case 'b': // BUILD: only an OrderedDict's attributes (state_dict's _metadata), ignored
			if _, err := u.pop(); err != nil {
				return nil, err
			}
			if _, err := topAs[*pyDict](u, "BUILD"); err != nil {
				return nil, err
			}
		default:
			return nil, u.errf("unsupported pickle opcode 0x%02x (not a state_dict of tensors?)", op[0])
		}
		if len(u.stack) > 1<<20 {
			return nil, u.errf("stack too deep")
		}
	}
}

// pyTypeName names the Python type of v for error messages.
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

// pyRepr describes v for an error message in bounded time and length,
// whatever a pickle built: scalars and short strings as Python writes
// them, the items of a tuple or list one level deep (at most 5), deeper
// containers by type and size.
func pyRepr(v any) string { return pyReprDepth(v, 1) }

func pyReprDepth(v any, depth int) string {
	var items []any
	switch o := v.(type) {
	case string:
		if len(o) > 40 {
			return fmt.Sprintf("a string of %d bytes starting %s", len(o), strconv.Quote(o[:40]))
		}
		return strconv.Quote(o)
	case int64, bool, float64, pyGlobal:
		return fmt.Sprint(o)
	case nil:
		return "None"
	case pyLong:
		return fmt.Sprintf("an integer of %d bytes", len(o))
	case storageRef:
		return fmt.Sprintf("storage %s of %s", pyRepr(o.key), o.class)
	case pyTuple:
		items = o
	case *pyList:
		items = o.items
	case *pyDict:
		return fmt.Sprintf("dict of %d items", len(o.keys))
	default:
		return pyTypeName(v)
	}
	if depth == 0 || len(items) > 5 {
		return fmt.Sprintf("%s of %d items", pyTypeName(v), len(items))
	}
	parts := make([]string, len(items))
	for i, x := range items {
		parts[i] = pyReprDepth(x, depth-1)
	}
	return fmt.Sprintf("%s of %d items (%s)", pyTypeName(v), len(items), strings.Join(parts, ", "))
}

// walkTensors calls fn for every tensor in obj, looking into dicts, lists
// and tuples. It visits each container once, however often it is shared
// or whether it holds itself, and keeps its own stack, so that no object
// a pickle can build makes it loop, take exponential time or overflow the
// goroutine stack.
func walkTensors(obj any, fn func(*torchTensor)) {
	seen := map[any]bool{} // the containers visited, by identity
	todo := []any{obj}
	for len(todo) > 0 {
		v := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		var id any
		switch o := v.(type) {
		case *torchTensor:
			fn(o)
			continue
		case *pyDict:
			id = o
		case *pyList:
			id = o
		case pyTuple:
			if len(o) == 0 {
				continue
			}
			id = &o[0] // tuples are never appended to, so this names the tuple
		default:
			continue
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		switch o := v.(type) {
		case *pyDict:
			for i := len(o.keys) - 1; i >= 0; i-- {
				todo = append(todo, o.vals[o.keys[i]])
			}
		case *pyList:
			for i := len(o.items) - 1; i >= 0; i-- {
				todo = append(todo, o.items[i])
			}
		case pyTuple:
			for i := len(o) - 1; i >= 0; i-- {
				todo = append(todo, o[i])
			}
		}
	}
}
