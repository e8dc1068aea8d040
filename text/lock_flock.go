//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package text

import (
	"os"
	"syscall"
)

// tryLock takes an exclusive flock of f without waiting and reports
// whether it got it; the lock lasts until f is closed (or its process
// ends).
func tryLock(f *os.File) bool {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil
}
