// Package testutil holds small helpers shared by the tests of several
// packages: writing test files, compressed or not, finding the shared
// real data, round trips and common assertions. It imports no package of
// the module that a low-level package's tests could not use (train
// helpers are in internal/traintest).
package testutil

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/internal/xrand"
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

// DirNames returns the names in dir, sorted, failing the test on error.
func DirNames(t testing.TB, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, len(es))
	for i, e := range es {
		names[i] = e.Name()
	}
	return names
}

// Goroutines counts the goroutines that creator started and that have
// not ended, creator being a function as a stack trace names it (e.g.
// "github.com/recurrent-go/recurrent/tensor.NewTeam"): goroutines left
// running show up as a count that does not fall back. It reads the
// "created by" line of each trace, which a goroutine not yet started has
// too (its first frame is then a wrapper of the go statement, not the
// function it will run).
func Goroutines(creator string) int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return bytes.Count(buf[:n], []byte("created by "+creator+" in goroutine "))
		}
		buf = make([]byte, 2*len(buf))
	}
}

// WriteGzip writes data gzip-compressed to path, failing the test on error.
func WriteGzip(t testing.TB, path, data string) {
	t.Helper()
	WriteFile(t, path, Gzip([]byte(data)))
}

// TempGzip writes data gzip-compressed to a file name in a fresh
// temporary directory of t and returns its path.
func TempGzip(t testing.TB, name, data string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	WriteGzip(t, path, data)
	return path
}

// RefusesFile writes data to a file name in a fresh temporary directory
// of t and asserts that read fails on it with an error naming the file
// and the line ("path:line:") and containing want.
func RefusesFile(t testing.TB, read func(path string) error, name, data string, line int, want string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	WriteFile(t, path, []byte(data))
	at := fmt.Sprintf("%s:%d:", path, line)
	if err := read(path); err == nil || !strings.Contains(err.Error(), at) || !strings.Contains(err.Error(), want) {
		t.Errorf("%s: error %v, want one naming %s and containing %q", name, err, at, want)
	}
}

// SaveLoad writes a model with save into a fresh temporary directory of
// t and reads it back with load, failing the test if either fails; it
// returns the loaded model and the directory.
func SaveLoad[M any](t testing.TB, save func(dir string) error, load func(dir string) (M, error)) (M, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "m")
	if err := save(dir); err != nil {
		t.Fatal(err)
	}
	m, err := load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return m, dir
}

// CheckParse asserts that parse reads back the String() of every value
// and refuses bad.
func CheckParse[T interface {
	comparable
	fmt.Stringer
}](t testing.TB, parse func(string) (T, error), values []T, bad string) {
	t.Helper()
	for _, v := range values {
		if got, err := parse(v.String()); err != nil || got != v {
			t.Errorf("parse(%q) = %v, %v; want %v", v.String(), got, err, v)
		}
	}
	if got, err := parse(bad); err == nil {
		t.Errorf("parse(%q) = %v, accepted", bad, got)
	}
}

// PlantedTopics returns sentences lines (seeded by seed) of words words
// each, every sentence drawn from one of groups topics of size words
// ("g3w7" is word 7 of topic 3): words of a topic co-occur, words of
// different topics never do, so embeddings trained on it must group them.
func PlantedTopics(seed uint64, groups, size, sentences, words int) string {
	r := xrand.New(seed, 0)
	var sb strings.Builder
	for range sentences {
		g := r.Intn(groups)
		for k := range words {
			if k > 0 {
				sb.WriteByte(' ')
			}
			fmt.Fprintf(&sb, "g%dw%d", g, r.Intn(size))
		}
		sb.WriteByte('\n')
	}
	return sb.String()
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

// Allocated returns the bytes the heap grew by in total while fn ran
// (runtime.MemStats.TotalAlloc; other goroutines' allocations count too).
// Compare it with the same measure of a reference call rather than with a
// fixed size: a race-detector build allocates more (its sync.Pool drops
// items at random).
func Allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// AllocatesAsApart fails t when together, a call over short inputs with a
// long one among them, allocates more than twice what short (the short
// ones alone) and long (the long one alone) allocate, plus 1 MiB: padded
// together, every short row would take the long one's length. short and
// long run first, for the reference; together's error fails t. what names
// the call over every input in the message.
func AllocatesAsApart(t testing.TB, what string, short, long func(), together func() error) {
	t.Helper()
	ref := Allocated(short) + Allocated(long)
	var err error
	got := Allocated(func() { err = together() })
	if err != nil {
		t.Fatal(err)
	}
	if got > 2*ref+1<<20 {
		t.Errorf("%s allocated %d MB after them apart %d MB", what, got>>20, ref>>20)
	}
}
