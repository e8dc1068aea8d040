//go:build unix

package cli

import (
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// TestSharesFile: a dup of a descriptor shares its open file, another
// opening of the same file does not, and the flags probed are restored.
func TestSharesFile(t *testing.T) {
	a, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	dup, err := unix.Dup(int(a.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(dup)
	before, _ := unix.FcntlInt(a.Fd(), unix.F_GETFL, 0)
	if !sharesFile(int(a.Fd()), dup) || sharesFile(int(a.Fd()), int(b.Fd())) {
		t.Errorf("sharesFile: a dup %v, another open %v", sharesFile(int(a.Fd()), dup), sharesFile(int(a.Fd()), int(b.Fd())))
	}
	if after, _ := unix.FcntlInt(a.Fd(), unix.F_GETFL, 0); after != before {
		t.Errorf("flags %#x after the probe, %#x before", after, before)
	}
}
