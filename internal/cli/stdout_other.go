//go:build !unix

package cli

// stdoutWasClosed reports false: only on Unix does the Go runtime put
// /dev/null in place of a closed standard output, which stdoutWasClosed
// recognizes there.
func stdoutWasClosed() bool { return false }
