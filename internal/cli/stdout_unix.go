//go:build unix

package cli

import (
	"os"

	"golang.org/x/sys/unix"
)

// stdoutWasClosed reports whether standard output was closed when the
// program started (`recurrent ... >&-`). The Go runtime opens /dev/null
// read-write in place of a closed standard descriptor before main runs, so
// such a descriptor 1 is what tells: /dev/null opened read-write (a shell's
// `>/dev/null` opens it write-only) and not shared with descriptor 0 or 2
// (a daemon that points all three at one read-write /dev/null keeps its
// output discarded without error). `1<>/dev/null` looks the same and is
// taken for closed.
func stdoutWasClosed() bool {
	var st, null unix.Stat_t
	if unix.Fstat(1, &st) != nil || unix.Stat(os.DevNull, &null) != nil ||
		st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Rdev != null.Rdev {
		return false
	}
	fl, err := unix.FcntlInt(1, unix.F_GETFL, 0)
	if err != nil || fl&unix.O_ACCMODE != unix.O_RDWR {
		return false
	}
	return !sharesFile(1, 0) && !sharesFile(1, 2)
}

// sharesFile reports whether descriptors a and b refer to one open file
// (one is a dup of the other): file status flags belong to the open file,
// so O_APPEND set through a shows through b. a's flags are restored.
func sharesFile(a, b int) bool {
	fa, err := unix.FcntlInt(uintptr(a), unix.F_GETFL, 0)
	if err != nil {
		return false
	}
	fb, err := unix.FcntlInt(uintptr(b), unix.F_GETFL, 0)
	if err != nil || fa != fb {
		return false
	}
	if _, err := unix.FcntlInt(uintptr(a), unix.F_SETFL, fa^unix.O_APPEND); err != nil {
		return false
	}
	after, err := unix.FcntlInt(uintptr(b), unix.F_GETFL, 0)
	unix.FcntlInt(uintptr(a), unix.F_SETFL, fa)
	return err == nil && after != fb
}
