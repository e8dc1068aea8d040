// Package testutil holds small helpers shared by the tests of several
// packages: writing test files, compressed or not.
package testutil

import (
	"bytes"
	"compress/gzip"
	"os"
	"testing"
)

// Gzip returns data compressed as one gzip member.
func Gzip(data []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(data) // a bytes.Buffer does not fail
	zw.Close()
	return buf.Bytes()
}

// WriteFile writes data to path, failing the test on error.
func WriteFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// WriteGzip writes data gzip-compressed to path, failing the test on error.
func WriteGzip(t testing.TB, path, data string) {
	t.Helper()
	WriteFile(t, path, Gzip([]byte(data)))
}
