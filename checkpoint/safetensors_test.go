package checkpoint

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// handMade builds a safetensors file byte by byte the way PyTorch's
// safetensors writer lays it out: compact JSON header, padded with spaces to
// a multiple of 8, then the raw little-endian data.
func handMade(header string, data []byte) []byte {
	for len(header)%8 != 0 {
		header += " "
	}
	var b []byte
	b = binary.LittleEndian.AppendUint64(b, uint64(len(header)))
	b = append(b, header...)
	return append(b, data...)
}

func f32bytes(vs ...float32) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b
}

func TestReadPyTorchLayout(t *testing.T) {
	header := `{"__metadata__":{"format":"pt"},"lstm.bias_ih_l0":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},` +
		`"lstm.weight_ih_l0":{"dtype":"F32","shape":[2,3],"data_offsets":[8,32]}}`
	if len(header)%8 == 0 {
		t.Fatal("test header should need padding")
	}
	b := handMade(header, f32bytes(0.5, -1, 1, 2, 3, 4, 5, float32(math.Inf(-1))))
	ts, meta, err := ReadSafetensors(b)
	if err != nil {
		t.Fatal(err)
	}
	if meta["format"] != "pt" || len(meta) != 1 {
		t.Errorf("metadata = %v", meta)
	}
	want := map[string]Tensor{
		"lstm.bias_ih_l0":   {Shape: []int{2}, Data: []float32{0.5, -1}},
		"lstm.weight_ih_l0": {Shape: []int{2, 3}, Data: []float32{1, 2, 3, 4, 5, float32(math.Inf(-1))}},
	}
	checkTensors(t, ts, want)

	// Our writer must produce exactly these bytes for the same content.
	var buf bytes.Buffer
	if err := WriteSafetensors(&buf, want, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), b) {
		t.Errorf("writer output differs from the reference layout:\n got %q\nwant %q", buf.Bytes(), b)
	}
}

func checkTensors(t *testing.T, got, want map[string]Tensor) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d tensors, want %d", len(got), len(want))
	}
	for name, w := range want {
		g, ok := got[name]
		if !ok {
			t.Fatalf("tensor %q missing", name)
		}
		if !slices.Equal(g.Shape, w.Shape) {
			t.Errorf("%s: shape %v, want %v", name, g.Shape, w.Shape)
		}
		if g.Dtype != w.Dtype {
			t.Errorf("%s: dtype %q, want %q", name, g.Dtype, w.Dtype)
		}
		if len(g.Data) != len(w.Data) {
			t.Fatalf("%s: %d elements, want %d", name, len(g.Data), len(w.Data))
		}
		for i := range w.Data {
			if math.Float32bits(g.Data[i]) != math.Float32bits(w.Data[i]) {
				t.Errorf("%s[%d] = %v, want %v", name, i, g.Data[i], w.Data[i])
			}
		}
	}
}

func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		name    string
		tensors map[string]Tensor
		meta    map[string]string
	}{
		{"empty", map[string]Tensor{}, nil},
		{"scalar", map[string]Tensor{"s": {Shape: []int{}, Data: []float32{3}}}, nil},
		{"zero-size", map[string]Tensor{"a": {Shape: []int{0, 4}, Data: []float32{}}, "b": {Shape: []int{1}, Data: []float32{-0.0}}}, nil},
		{"specials", map[string]Tensor{"x": {Shape: []int{4}, Data: []float32{float32(math.NaN()), float32(math.Inf(1)), math.SmallestNonzeroFloat32, math.MaxFloat32}}}, nil},
		{"unicode names", map[string]Tensor{"émbed<&>\"q\"": {Shape: []int{1, 1}, Data: []float32{1}}}, map[string]string{"note": "ünïcode \"quoted\"\n", "a": ""}},
		{"large", map[string]Tensor{"w": {Shape: []int{100, 97}, Data: randData(rng, 9700)}, "v": {Shape: []int{5000}, Data: randData(rng, 5000)}}, map[string]string{"epoch": "3"}},
		// I8 between F32 tensors: odd byte counts shift the offsets after them.
		{"int8", map[string]Tensor{
			"a":     {Shape: []int{3}, Data: []float32{1, 2, 3}},
			"q":     {Shape: []int{3, 7}, Data: int8Data(rng, 21), Dtype: I8},
			"q.big": {Shape: []int{20000}, Data: int8Data(rng, 20000), Dtype: I8},
			"z":     {Shape: []int{2}, Data: []float32{-1, 0.5}},
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteSafetensors(&buf, tt.tensors, tt.meta); err != nil {
				t.Fatal(err)
			}
			hl := binary.LittleEndian.Uint64(buf.Bytes())
			if hl%8 != 0 {
				t.Errorf("header length %d not padded to 8", hl)
			}
			got, meta, err := ReadSafetensors(buf.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			checkTensors(t, got, tt.tensors)
			if len(meta) != len(tt.meta) {
				t.Errorf("metadata %v, want %v", meta, tt.meta)
			}
			for k, v := range tt.meta {
				if meta[k] != v {
					t.Errorf("metadata[%q] = %q, want %q", k, meta[k], v)
				}
			}
		})
	}
}

func randData(rng *rand.Rand, n int) []float32 {
	d := make([]float32, n)
	for i := range d {
		d[i] = float32(rng.NormFloat64())
	}
	return d
}

// int8Data returns n integers in [-128, 127], both ends included.
func int8Data(rng *rand.Rand, n int) []float32 {
	d := make([]float32, n)
	for i := range d {
		d[i] = float32(rng.IntN(256) - 128)
	}
	d[0], d[n-1] = -128, 127
	return d
}

// TestReadI8 reads an I8 tensor written by hand: one byte per element,
// two's complement.
func TestReadI8(t *testing.T) {
	hdr := `{"q":{"dtype":"I8","shape":[2,2],"data_offsets":[0,4]}}`
	var b []byte
	b = binary.LittleEndian.AppendUint64(b, uint64(len(hdr)))
	b = append(b, hdr...)
	b = append(b, 0x80, 0xff, 0x00, 0x7f)
	got, _, err := ReadSafetensors(b)
	if err != nil {
		t.Fatal(err)
	}
	checkTensors(t, got, map[string]Tensor{"q": {Shape: []int{2, 2}, Data: []float32{-128, -1, 0, 127}, Dtype: I8}})
	var buf bytes.Buffer
	if err := WriteSafetensors(&buf, got, nil); err != nil {
		t.Fatal(err)
	}
	if n := buf.Len(); n != 8+int(binary.LittleEndian.Uint64(buf.Bytes()))+4 {
		t.Errorf("written file has %d bytes, want header + 4", n)
	}
}

func TestWriteErrors(t *testing.T) {
	tests := []struct {
		name    string
		tensors map[string]Tensor
		want    string
	}{
		{"short data", map[string]Tensor{"w": {Shape: []int{2, 2}, Data: make([]float32, 3)}}, "needs 4 elements"},
		{"negative", map[string]Tensor{"w": {Shape: []int{-1}, Data: nil}}, "negative"},
		{"reserved", map[string]Tensor{"__metadata__": {Shape: []int{1}, Data: []float32{1}}}, "reserved"},
		{"empty name", map[string]Tensor{"": {Shape: []int{1}, Data: []float32{1}}}, "empty"},
		{"I8 fraction", map[string]Tensor{"q": {Shape: []int{2}, Data: []float32{1, 0.5}, Dtype: I8}}, "not an integer"},
		{"I8 range", map[string]Tensor{"q": {Shape: []int{2}, Data: []float32{1, 128}, Dtype: I8}}, "not an integer in [-128, 127]"},
		{"I8 NaN", map[string]Tensor{"q": {Shape: []int{1}, Data: []float32{float32(math.NaN())}, Dtype: I8}}, "not an integer"},
		{"other dtype", map[string]Tensor{"q": {Shape: []int{1}, Data: []float32{1}, Dtype: "I32"}}, "cannot write dtype"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := WriteSafetensors(&bytes.Buffer{}, tt.tensors, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestReadOtherDtypes(t *testing.T) {
	var data []byte
	// F64: 1.5, -2^-30
	data = binary.LittleEndian.AppendUint64(data, math.Float64bits(1.5))
	data = binary.LittleEndian.AppendUint64(data, math.Float64bits(-math.Ldexp(1, -30)))
	// F16: 1.0, -2.0, 65504 (max), 2^-24 (min subnormal), +Inf, 0x3555 (0.333251953125)
	for _, h := range []uint16{0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00, 0x3555} {
		data = binary.LittleEndian.AppendUint16(data, h)
	}
	// BF16: 1.0, -3.0
	for _, h := range []uint16{0x3f80, 0xc040} {
		data = binary.LittleEndian.AppendUint16(data, h)
	}
	header := `{"d":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},"h":{"dtype":"F16","shape":[2,3],"data_offsets":[16,28]},` +
		`"b":{"dtype":"BF16","shape":[2],"data_offsets":[28,32]}}`
	ts, meta, err := ReadSafetensors(handMade(header, data))
	if err != nil {
		t.Fatal(err)
	}
	if meta != nil {
		t.Errorf("metadata = %v, want nil", meta)
	}
	checkTensors(t, ts, map[string]Tensor{
		"d": {Shape: []int{2}, Data: []float32{1.5, -float32(math.Ldexp(1, -30))}},
		"h": {Shape: []int{2, 3}, Data: []float32{1, -2, 65504, float32(math.Ldexp(1, -24)), float32(math.Inf(1)), 0.333251953125}},
		"b": {Shape: []int{2}, Data: []float32{1, -3}},
	})
}

func TestHalfToFloat32Exhaustive(t *testing.T) {
	for h := range 1 << 16 {
		got := halfToFloat32(uint16(h))
		sign := 1.0
		if h&0x8000 != 0 {
			sign = -1
		}
		e, m := (h>>10)&0x1f, h&0x3ff
		var want float64
		switch {
		case e == 0x1f && m == 0:
			want = math.Inf(int(sign))
		case e == 0x1f:
			if !math.IsNaN(float64(got)) {
				t.Fatalf("half %#04x: got %v, want NaN", h, got)
			}
			continue
		case e == 0:
			want = sign * math.Ldexp(float64(m), -24)
		default:
			want = sign * math.Ldexp(float64(m|0x400), e-25)
		}
		if float64(got) != want || math.Signbit(float64(got)) != (sign < 0) {
			t.Fatalf("half %#04x: got %v, want %v", h, got, want)
		}
	}
}

func TestReadErrors(t *testing.T) {
	good := handMade(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, f32bytes(1, 2))
	hugeLen := binary.LittleEndian.AppendUint64(nil, 1<<40)
	tests := []struct {
		name string
		file []byte
		want string
	}{
		{"empty file", nil, "shorter than the 8-byte"},
		{"truncated length", good[:5], "shorter than the 8-byte"},
		{"truncated header", good[:20], "truncated"},
		{"truncated data", good[:len(good)-1], "outside"},
		{"extra data", append(slices.Clone(good), 0, 0, 0, 0), "cover"},
		{"huge header", append(hugeLen, '{', '}'), "limit"},
		{"not json", handMade(`{"a":`, nil), "header"},
		{"not object", handMade(`[1,2]`, nil), "start with '{'"},
		{"trailing garbage", handMade(`{}x`, nil), "after the JSON"},
		{"bad dtype", handMade(`{"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}`, make([]byte, 8)), "unsupported dtype"},
		{"missing field", handMade(`{"a":{"dtype":"F32","shape":[1]}}`, make([]byte, 4)), "needs dtype"},
		{"unknown field", handMade(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}}`, make([]byte, 4)), "unknown field"},
		{"shape mismatch", handMade(`{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, make([]byte, 8)), "needs 12 bytes"},
		{"negative dim", handMade(`{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, make([]byte, 4)), "negative"},
		{"overflow shape", handMade(`{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}`, make([]byte, 4)), "too large"},
		{"reversed offsets", handMade(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}`, make([]byte, 4)), "outside"},
		{"three offsets", handMade(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}`, make([]byte, 4)), "want 2"},
		{"overlap", handMade(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, make([]byte, 12)), "overlap"},
		{"hole", handMade(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}`, make([]byte, 12)), "belong to no tensor"},
		{"duplicate", handMade(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, make([]byte, 8)), "duplicate"},
		{"bad metadata", handMade(`{"__metadata__":{"k":1}}`, nil), "__metadata__"},
		{"invalid utf8", handMade("{\"\xff\":{}}", nil), "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ReadSafetensors(tt.file)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func FuzzReadSafetensors(f *testing.F) {
	f.Add(handMade(`{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, f32bytes(1, 2)))
	f.Add(handMade(`{"h":{"dtype":"F16","shape":[1,2],"data_offsets":[0,4]},"b":{"dtype":"BF16","shape":[],"data_offsets":[4,6]}}`, make([]byte, 6)))
	f.Add(handMade(`{}`, nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		ts, _, err := ReadSafetensors(b)
		if err != nil {
			return
		}
		// Whatever parses must round-trip through our writer.
		var buf bytes.Buffer
		if err := WriteSafetensors(&buf, ts, nil); err != nil {
			t.Fatalf("re-writing a valid file: %v", err)
		}
		again, _, err := ReadSafetensors(buf.Bytes())
		if err != nil {
			t.Fatalf("re-reading: %v", err)
		}
		checkTensors(t, again, ts)
	})
}

func TestEveryTruncationFails(t *testing.T) {
	var buf bytes.Buffer
	tensors := map[string]Tensor{"a": {Shape: []int{2, 3}, Data: []float32{1, 2, 3, 4, 5, 6}}, "b": {Shape: []int{1}, Data: []float32{7}}}
	if err := WriteSafetensors(&buf, tensors, map[string]string{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	full := buf.Bytes()
	for n := range len(full) {
		if _, _, err := ReadSafetensors(full[:n]); err == nil {
			t.Fatalf("file truncated to %d of %d bytes read without error", n, len(full))
		}
	}
	// Flipping any single byte must never panic (it may still parse, e.g.
	// a changed data byte or a space in the padding).
	for i := range full {
		b := bytes.Clone(full)
		b[i] ^= 0x5a
		ReadSafetensors(b)
	}
}
