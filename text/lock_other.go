//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd)

package text

import "os"

// tryLock reports false: without flock, no temporary file is known to be
// stale, and none is removed.
func tryLock(*os.File) bool { return false }
