// Package testutil holds small helpers shared by the tests of several
// packages: writing test files, compressed or not, and finding the shared
// real data.
package testutil

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
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

// DataEnv names the directory of the shared real data (corpora that are
// never copied into the repository); DefaultData is used when it is unset.
const (
	DataEnv     = "RECURRENT_DATA"
	DefaultData = "/work/shared/data"
)

// SharedData returns the path of rel in the shared real data directory
// ($RECURRENT_DATA, default /work/shared/data), skipping the test with a
// message naming the path when it cannot be read.
func SharedData(t testing.TB, rel string) string {
	t.Helper()
	root := os.Getenv(DataEnv)
	if root == "" {
		root = DefaultData
	}
	path := filepath.Join(root, rel)
	if _, err := os.Stat(path); err != nil {
		t.Skipf("shared data not available: %v", err)
	}
	return path
}
