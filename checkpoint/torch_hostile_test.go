package checkpoint

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"runtime"
	"strings"
	"testing"
)

// pickleInt is the LONG1 opcode pushing n.
func pickleInt(n int64) string {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(n))
	return "\x8a\x08" + string(b[:])
}

// pickleInts pushes the tuple of ns.
func pickleInts(ns ...int64) string {
	s := "("
	for _, n := range ns {
		s += pickleInt(n)
	}
	return s + "t"
}

// pickleTensor pushes a _rebuild_tensor_v2 call viewing numel float32s of
// storage key at offset with size and stride.
func pickleTensor(key string, numel, offset int64, size, stride []int64) string {
	return "ctorch._utils\n_rebuild_tensor_v2\n((" + pickleStr("storage") + "ctorch\nFloatStorage\n" +
		pickleStr(key) + pickleStr("cpu") + pickleInt(numel) + "tQ" + pickleInt(offset) +
		pickleInts(size...) + pickleInts(stride...) + "\x89ccollections\nOrderedDict\n)RtR"
}

// stateDictPickle is the pickle of an OrderedDict of the given tensor
// calls (pickleTensor), named w0, w1, ...
func stateDictPickle(tensors ...string) []byte {
	var p bytes.Buffer
	p.WriteString("\x80\x02ccollections\nOrderedDict\n)R(")
	for i, t := range tensors {
		p.WriteString(pickleStr(fmt.Sprintf("w%d", i)) + t)
	}
	p.WriteString("u.")
	return p.Bytes()
}

// zipArchive returns a zip archive of the files, each written with method.
func zipArchive(t *testing.T, method uint16, files map[string][]byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, data := range files {
		f, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		f.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// allocated returns the bytes f allocated.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// Strided views read only the elements they hold: each view of two
// elements at the two ends of a storage of a million used to decode the
// whole storage between them, so 200 such views (8 kB of pickle) cost
// 800 MB of decoding, and a 100 MB pickle of them hours.
func TestReadTorchStridedViewsDecodeTheirElements(t *testing.T) {
	const n = 1 << 20
	var tensors []string
	for range 200 {
		tensors = append(tensors, pickleTensor("0", n, 0, []int64{2}, []int64{n - 1}))
	}
	storage := make([]byte, 4*n)
	binary.LittleEndian.PutUint32(storage[4*(n-1):], 0x3f800000) // the last element is 1
	b := zipArchive(t, zip.Store, map[string][]byte{"m/data.pkl": stateDictPickle(tensors...), "m/data/0": storage})
	var ts map[string]Tensor
	var err error
	if got := allocated(func() { ts, err = ReadTorch(b) }); got > 4*uint64(len(b)) && !raceEnabled {
		t.Errorf("reading a %d-byte file allocated %d bytes", len(b), got)
	}
	if err != nil || len(ts) != 200 || fmt.Sprint(ts["w7"].Data) != "[0 1]" {
		t.Fatalf("read %d tensors (w7 %v), error %v", len(ts), ts["w7"].Data, err)
	}
}

// A storage in a compressed zip entry is refused before it is inflated:
// its size comes from the pickle, not from the file, so a few kilobytes
// of deflated zeros used to inflate to as many gigabytes as the pickle
// claimed. torch.save stores its entries uncompressed.
func TestReadTorchCompressedStorage(t *testing.T) {
	const n = 16 << 20 // 64 MB of zeros, 64 kB deflated
	pkl := stateDictPickle(pickleTensor("0", n, 0, []int64{n}, []int64{1}))
	b := zipArchive(t, zip.Deflate, map[string][]byte{"m/data.pkl": pkl, "m/data/0": make([]byte, 4*n)})
	var err error
	if got := allocated(func() { _, err = ReadTorch(b) }); got > 16*uint64(len(b))+1<<20 {
		t.Errorf("reading a %d-byte file allocated %d bytes", len(b), got)
	}
	if err == nil || !strings.Contains(err.Error(), "m/data/0") || !strings.Contains(err.Error(), "compressed") {
		t.Errorf("error %v, want one saying m/data/0 is compressed", err)
	}
	// The same archive stored is read.
	b = zipArchive(t, zip.Store, map[string][]byte{"m/data.pkl": pkl, "m/data/0": make([]byte, 4*n)})
	if ts, err := ReadTorch(b); err != nil || len(ts["w0"].Data) != n {
		t.Errorf("stored: %v", err)
	}
}

// The views of a file may not add up to much more than the file: 200
// views of one 4 MB storage (8 kB of pickle) used to become 800 MB of
// tensors. Tied weights (two views of one storage) are read.
func TestReadTorchManyViewsOfOneStorage(t *testing.T) {
	const n = 1 << 20
	view := pickleTensor("0", n, 0, []int64{n}, []int64{1})
	for _, tc := range []struct {
		views int
		ok    bool
	}{{2, true}, {200, false}} {
		tensors := make([]string, tc.views)
		for i := range tensors {
			tensors[i] = view
		}
		b := zipArchive(t, zip.Store, map[string][]byte{"m/data.pkl": stateDictPickle(tensors...), "m/data/0": make([]byte, 4*n)})
		var err error
		if got := allocated(func() { _, err = ReadTorch(b) }); got > 16*uint64(len(b)) { // the tensors may take 8 times the file
			t.Errorf("%d views: reading a %d-byte file allocated %d bytes", tc.views, len(b), got)
		}
		if ok := err == nil; ok != tc.ok || !ok && !strings.Contains(err.Error(), "w") {
			t.Errorf("%d views: error %v", tc.views, err)
		}
	}
}

// The error for a dict that holds no state_dict lists its keys clipped:
// a key of 10 MB used to be copied whole into the message.
func TestReadTorchLongKeysClipped(t *testing.T) {
	long := strings.Repeat("k", 10<<20)
	pkl := []byte("\x80\x02}(" + pickleStr(long) + "K\x01" + pickleStr("epoch") + "K\x02u.")
	_, err := ReadTorch(zipArchive(t, zip.Store, map[string][]byte{"m/data.pkl": pkl}))
	if err == nil || len(err.Error()) > 1000 || !strings.Contains(err.Error(), "epoch") {
		t.Errorf("error of %d bytes, want a short one listing the keys", len(fmt.Sprint(err)))
	}
}

// A training checkpoint whose one dict of tensors is under a key that is
// not a string (an int, a bool, None) is read: looking it up again by the
// key's printed form found nothing and panicked on a nil dict.
func TestReadTorchStateDictUnderNonStringKey(t *testing.T) {
	w := pickleTensor("0", 2, 0, []int64{2}, []int64{1})
	for _, key := range []string{"K\x07", "\x88", "N"} {
		pkl := []byte("\x80\x02}(" + key + "}(" + pickleStr("w") + w + "u" + pickleStr("epoch") + "K\x02u.")
		b := zipArchive(t, zip.Store, map[string][]byte{"m/data.pkl": pkl, "m/data/0": make([]byte, 8)})
		var ts map[string]Tensor
		err := func() (err error) {
			defer func() {
				if r := recover(); r != nil {
					err = fmt.Errorf("panic: %v", r)
				}
			}()
			ts, err = ReadTorch(b)
			return err
		}()
		if err != nil || len(ts["w"].Data) != 2 {
			t.Errorf("key opcode %q: %v", key, err)
		}
	}
}

// Zip entries whose headers lie about their sizes are refused: a storage
// whose header claims the 40 bytes its pickle expects but that holds 80 or
// 20, or one claiming more than the pickle expects.
func TestReadTorchZipSizesLie(t *testing.T) {
	pkl := stateDictPickle(pickleTensor("0", 10, 0, []int64{10}, []int64{1}))
	for _, tc := range []struct {
		name  string
		data  int
		claim uint64
		want  string
	}{
		{"holds_more", 80, 40, "zip"},
		{"holds_less", 20, 40, "EOF"},
		{"claims_more", 80, 80, "more than the 40 expected"},
		{"honest", 40, 40, ""},
	} {
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		f, _ := zw.Create("m/data.pkl")
		f.Write(pkl)
		data := make([]byte, tc.data)
		f, err := zw.CreateRaw(&zip.FileHeader{Name: "m/data/0", Method: zip.Store, CRC32: crc32.ChecksumIEEE(data[:min(tc.data, int(tc.claim))]),
			CompressedSize64: uint64(tc.data), UncompressedSize64: tc.claim})
		if err != nil {
			t.Fatal(err)
		}
		f.Write(data)
		zw.Close()
		_, err = ReadTorch(b.Bytes())
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}
