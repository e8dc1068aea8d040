package checkpoint

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"testing"
)

// torchZip returns a torch.save zip archive holding {"w": a float32 tensor
// of size elements viewing storage "0"}, whose storage reference claims
// numel elements while the archive holds the 40 bytes of 10 of them.
func torchZip(t *testing.T, numel uint64, size uint16) []byte {
	t.Helper()
	var p bytes.Buffer
	str := func(s string) {
		p.WriteByte('X')
		binary.Write(&p, binary.LittleEndian, uint32(len(s)))
		p.WriteString(s)
	}
	p.WriteString("\x80\x02}")
	str("w")
	p.WriteString("ctorch._utils\n_rebuild_tensor_v2\n((")
	str("storage")
	p.WriteString("ctorch\nFloatStorage\n")
	str("0")
	str("cpu")
	p.Write([]byte{0x8a, 8}) // LONG1 of 8 bytes
	binary.Write(&p, binary.LittleEndian, numel)
	p.WriteString("tQK\x00M")
	binary.Write(&p, binary.LittleEndian, size)
	p.WriteString("\x85K\x01\x85\x89ccollections\nOrderedDict\n)RtRs.")
	// Stored, as torch.save writes.
	return zipArchive(t, zip.Store, map[string][]byte{"w/data.pkl": p.Bytes(), "w/data/0": make([]byte, 40), "w/version": []byte("3\n")})
}

// A storage reference whose element count overflows when multiplied by
// the element size (2^62+10 float32s: "40 bytes") is refused; it passed the
// size check and the view then read past the storage's bytes (garbage,
// or a panic past their capacity).
func TestReadTorchHugeStorageCount(t *testing.T) {
	if ts, err := ReadTorch(torchZip(t, 10, 10)); err != nil || len(ts["w"].Data) != 10 {
		t.Fatalf("the well-formed archive: %v, %v", ts, err)
	}
	for _, size := range []uint16{100, 1000} {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("size %d: panic %v", size, r)
				}
			}()
			ts, err := ReadTorch(torchZip(t, 1<<62+10, size))
			if err == nil {
				t.Errorf("size %d of a 40-byte storage claiming 2^62+10 elements: read %d values, no error", size, len(ts["w"].Data))
			}
		}()
	}
}
