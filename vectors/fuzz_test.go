package vectors

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// FuzzReadAnalogies: any bytes parse into sections of four-word
// questions, or are refused; never a panic.
func FuzzReadAnalogies(f *testing.F) {
	f.Add([]byte(": capital-common-countries\nAthens Greece Baghdad Iraq\n: family\nboy girl brother sister\n"))
	f.Add([]byte("a b c d\n"))
	f.Add([]byte(": s\na b c\n: \n\n"))
	if b, err := os.ReadFile(filepath.Join("..", "testdata", "analogy", "questions-words.txt")); err == nil {
		f.Add(b[:min(len(b), 2000)])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		set, err := ReadAnalogies(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, s := range set.Sections {
			for _, q := range s.Questions {
				for _, w := range []string{q.A, q.B, q.C, q.D} {
					if w == "" || strings.ContainsAny(w, " \t\n") {
						t.Fatalf("question %+v", q)
					}
				}
			}
		}
	})
}

// FuzzReadWordPairs: any bytes parse into word pairs with finite scores
// (unparsable lines skipped and listed), or are refused; never a panic.
func FuzzReadWordPairs(f *testing.F) {
	f.Add([]byte("# comment\ntiger\tcat\t7.35\nbook paper 7.46\r\nbad line\n"))
	f.Add([]byte("a\tb\tNaN\nc d inf\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pairs, skipped, err := ReadWordPairs(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, p := range pairs {
			if p.A == "" || p.B == "" || p.Line < 1 || math.IsNaN(p.Score) || math.IsInf(p.Score, 0) {
				t.Fatalf("pair %+v", p)
			}
		}
		for _, l := range skipped {
			if l < 1 {
				t.Fatalf("skipped line %d", l)
			}
		}
	})
}

// FuzzDebiasLists: any contents of the four debiasing lists are read or
// refused; never a panic, and every pair read is a pair.
func FuzzDebiasLists(f *testing.F) {
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("..", "testdata", "debias", name))
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	f.Add(read("definitional_pairs.json"), read("equalize_pairs.json"), read("gender_specific_seed.json"), read("professions.json"))
	f.Add([]byte(`[["she","he"]]`), []byte(`[["a"]]`), []byte(`[]`), []byte(`[["x", 0.1, 0.2]]`))
	f.Fuzz(func(t *testing.T, def, eq, specific, prof []byte) {
		fsys := fstest.MapFS{
			"definitional_pairs.json":   {Data: def},
			"equalize_pairs.json":       {Data: eq},
			"gender_specific_seed.json": {Data: specific},
			"professions.json":          {Data: prof},
		}
		LoadDebiasListsFS(fsys, true)
	})
}
