package tensor

import (
	"runtime"
	"sync/atomic"
)

var threads atomic.Int32

// SetThreads sets how many goroutines the kernels may use; n <= 0 restores
// the default, GOMAXPROCS.
//
// SetThreads and Threads are safe for concurrent use (the count is one
// atomic value shared by the whole process); a kernel already running keeps
// the count it started with. Commands validate the user's --threads before
// calling it.
func SetThreads(n int) {
	if n < 0 {
		n = 0
	}
	threads.Store(int32(n))
}

// Threads reports how many goroutines the kernels use.
func Threads() int {
	if n := int(threads.Load()); n > 0 {
		return n
	}
	return runtime.GOMAXPROCS(0)
}
