package checkpoint

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"io"
	"strings"
	"testing"
	"time"
)

// legacyTorch returns a legacy-format torch.save file whose object pickle
// is obj (without PROTO and STOP), whose storage key list is keys and
// whose storages follow as data.
func legacyTorch(obj []byte, keys []string, data []byte) []byte {
	var b bytes.Buffer
	b.WriteString("\x80\x02\x8a\x0a")
	b.Write(torchMagic)
	b.WriteString(".\x80\x02M\xe9\x03.\x80\x02}.\x80\x02")
	b.Write(obj)
	b.WriteString(".\x80\x02](")
	for _, k := range keys {
		b.WriteString(pickleStr(k))
	}
	b.WriteString("e.")
	b.Write(data)
	return b.Bytes()
}

// pickleStr is the BINUNICODE opcode pushing s.
func pickleStr(s string) string {
	var n [4]byte
	binary.LittleEndian.PutUint32(n[:], uint32(len(s)))
	return "X" + string(n[:]) + s
}

// pickleDAG returns opcodes pushing a tuple nested depth deep in which
// every tuple holds the one below twice (memo references), so that it
// has 2^depth paths to its innermost empty tuple while taking only a few
// bytes a level, the stack staying one deep.
func pickleDAG(depth int) []byte {
	var b bytes.Buffer
	b.WriteString(")r\x00\x00\x00\x00")
	for i := range depth {
		var get [4]byte
		binary.LittleEndian.PutUint32(get[:], uint32(i))
		b.WriteString("j" + string(get[:]) + "\x86") // with the tuple on top: (it, it)
		binary.LittleEndian.PutUint32(get[:], uint32(i+1))
		b.WriteString("r" + string(get[:]))
	}
	return b.Bytes()
}

// pickleChain returns opcodes pushing a tuple nested depth deep, each
// holding only the one below (TUPLE1: a byte a level, the stack staying
// one deep).
func pickleChain(depth int) []byte {
	return append([]byte(")"), bytes.Repeat([]byte{0x85}, depth)...)
}

// within fails t if f does not return within d (a hang), and otherwise
// returns f's error.
func within(t *testing.T, d time.Duration, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		t.Fatalf("no answer within %v (a hang)", d)
		return nil
	}
}

// Objects that refer to themselves, share their parts exponentially often
// or nest millions deep are refused with an error: walking them used to
// recurse without end (a list holding itself: a fatal stack overflow that
// no recover catches), take 2^64 steps (a tuple holding the one below
// twice, 64 levels) and a chain of a million tuples is walked without recursion.
func TestReadTorchLegacySelfReference(t *testing.T) {
	for _, tc := range []struct {
		name string
		obj  []byte
	}{
		{"list_holds_itself", []byte("]q\x00h\x00a")},
		{"dict_holds_itself", []byte("}q\x00" + pickleStr("k") + "h\x00s")},
		{"shared_64_levels", pickleDAG(64)},
		{"nested_1M", pickleChain(1_000_000)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := within(t, 20*time.Second, func() error {
				_, err := ReadTorch(legacyTorch(tc.obj, nil, nil))
				return err
			})
			if err == nil || !strings.Contains(err.Error(), "state_dict") {
				t.Errorf("error %v, want one saying it is no state_dict", err)
			}
		})
	}
}

// Error messages name a hostile value by its type and size: formatting it
// whole with %v took 2^64 steps for a tuple sharing its parts 64 levels
// deep (as a persistent id, the legacy format's protocol version or a
// storage key) and made a message of megabytes for one nested a million deep.
func TestPickleErrorsDescribeHugeValues(t *testing.T) {
	for _, tc := range []struct {
		name string
		file []byte
		want string
	}{
		{"persistent_id", append(append([]byte("\x80\x02"), pickleDAG(64)...), "Q."...), "persistent id tuple of 2"},
		{"persistent_id_nested", append(append([]byte("\x80\x02"), pickleChain(1_000_000)...), "Q."...), "persistent id tuple of 1"},
		{"legacy_version", bytes.Replace(legacyTorch([]byte("}"), nil, nil), []byte("M\xe9\x03"), pickleDAG(64), 1), "protocol version tuple of 2"},
		{"legacy_key", bytes.Replace(legacyTorch([]byte("}"), []string{"k"}, nil), []byte(pickleStr("k")), pickleDAG(64), 1), "storage key tuple of 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := within(t, 20*time.Second, func() error {
				if isLegacyTorch(tc.file) {
					_, err := ReadTorch(tc.file)
					return err
				}
				_, err := (&unpickler{b: tc.file}).run()
				return err
			})
			if err == nil || !strings.Contains(err.Error(), tc.want) || len(err.Error()) > 300 {
				t.Errorf("error %.300v, want a short one containing %q", err, tc.want)
			}
		})
	}
}

// FuzzUnpickle runs the restricted unpickler on any bytes, as the pickle of
// a torch zip archive (which FuzzReadTorch's mutations seldom reach inside
// the archive), then does with what it built all that ReadTorch does: no
// input may panic, hang or build more than its size allows.
func FuzzUnpickle(f *testing.F) {
	zr, err := zip.OpenReader("testdata/views.pt")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range zr.File {
		if strings.HasSuffix(e.Name, "data.pkl") {
			rc, _ := e.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			f.Add(b)
		}
	}
	zr.Close()
	f.Add(append(append([]byte("\x80\x02"), pickleDAG(8)...), "Q."...))
	f.Add([]byte("\x80\x02]q\x00h\x00a."))
	f.Fuzz(func(t *testing.T, b []byte) {
		u := &unpickler{b: b}
		v, err := u.run()
		if err != nil {
			return
		}
		_ = pyRepr(v)
		if sd, err := selectStateDict(v); err == nil {
			budget := int64(1 << 20)
			walkTensors(sd, func(tt *torchTensor) {
				if n := tt.st.numel * int64(storageElemSize[tt.st.class]); n <= 1<<16 {
					tt.resolve(map[string][]byte{tt.st.key: make([]byte, n)}, &budget)
				}
			})
		}
	})
}
