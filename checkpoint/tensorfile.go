package checkpoint

import (
	"encoding/binary"
	"fmt"
	"unicode/utf8"

	"github.com/recurrent-go/recurrent/text"
)

// Reading a weights file of either format, and naming what a file that is
// neither looks like.

// ReadTensorFile reads the tensors of a safetensors file or a torch.save
// file (zip or legacy), deciding by content; p "-" is standard input
// (text.ReadAll). A file that is neither gets an error that says what it
// looks like and how to convert it.
func ReadTensorFile(p string) (map[string]Tensor, error) {
	b, err := text.ReadAll(p)
	if err != nil {
		return nil, err
	}
	p = text.DisplayName(p)
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

// clipText shortens b to at most 40 bytes of whole characters for a message.
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
