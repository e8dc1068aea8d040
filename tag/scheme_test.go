package tag

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

func TestSplit(t *testing.T) {
	cases := []struct{ in, p, typ string }{
		{"B-PER", "B", "PER"}, {"O", "O", ""}, {"I-A-B", "I", "A-B"}, {"-X", "", "X"}, {"S-", "S", ""},
	}
	for _, c := range cases {
		if p, typ := Split(c.in); p != c.p || typ != c.typ {
			t.Errorf("Split(%q) = %q,%q want %q,%q", c.in, p, typ, c.p, c.typ)
		}
	}
}

func TestChunks(t *testing.T) {
	cases := []struct {
		name, tags string
		want       []Chunk
	}{
		{"iob2", "B-PER I-PER O B-LOC", []Chunk{{"PER", 0, 2}, {"LOC", 3, 4}}},
		{"iob1", "I-PER I-PER B-PER O I-LOC", []Chunk{{"PER", 0, 2}, {"PER", 2, 3}, {"LOC", 4, 5}}},
		{"type change", "I-PER I-LOC", []Chunk{{"PER", 0, 1}, {"LOC", 1, 2}}},
		{"iobes", "S-PER B-LOC I-LOC E-LOC S-LOC O", []Chunk{{"PER", 0, 1}, {"LOC", 1, 4}, {"LOC", 4, 5}}},
		{"e then b", "B-X E-X B-X E-X", []Chunk{{"X", 0, 2}, {"X", 2, 4}}},
		{"at end", "O O B-MISC I-MISC", []Chunk{{"MISC", 2, 4}}},
		{"none", "O O", nil},
		{"empty", "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Chunks(strings.Fields(c.tags))
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %v want %v", got, c.want)
			}
		})
	}
}

func TestConvert(t *testing.T) {
	// The same chunking in the three schemes.
	cases := []struct{ iob1, iob2, iobes string }{
		{"I-PER I-PER B-PER O I-LOC", "B-PER I-PER B-PER O B-LOC", "B-PER E-PER S-PER O S-LOC"},
		{"I-PER I-LOC I-LOC I-LOC", "B-PER B-LOC I-LOC I-LOC", "S-PER B-LOC I-LOC E-LOC"},
		{"O O", "O O", "O O"},
		{"I-X B-X B-X", "B-X B-X B-X", "S-X S-X S-X"},
	}
	for _, c := range cases {
		forms := map[Scheme][]string{IOB1: strings.Fields(c.iob1), IOB2: strings.Fields(c.iob2), IOBES: strings.Fields(c.iobes)}
		for from, in := range forms {
			for to, want := range forms {
				if got := Convert(in, to); !reflect.DeepEqual(got, want) {
					t.Errorf("%v -> %v of %v: got %v want %v", from, to, in, got, want)
				}
			}
			if err := Validate(in, from); err != nil {
				t.Errorf("Validate(%v, %v): %v", in, from, err)
			}
		}
	}
}

// TestConvertRoundTrip checks on random chunkings that encoding in any
// scheme and reading the chunks back gives the chunks, and that the
// encoding validates.
func TestConvertRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	types := []string{"PER", "LOC", "ORG-X"}
	for range 500 {
		n := rng.IntN(12)
		var chunks []Chunk
		for i := 0; i < n; {
			if rng.IntN(3) == 0 {
				i++
				continue
			}
			l := 1 + rng.IntN(3)
			if i+l > n {
				l = n - i
			}
			chunks = append(chunks, Chunk{types[rng.IntN(len(types))], i, i + l})
			i += l
		}
		for _, s := range []Scheme{IOB1, IOB2, IOBES} {
			tags := Encode(chunks, n, s)
			if got := Chunks(tags); !reflect.DeepEqual(got, chunks) {
				t.Fatalf("%v: %v -> %v -> %v", s, chunks, tags, got)
			}
			if err := Validate(tags, s); err != nil {
				t.Fatalf("%v: %v invalid: %v", s, tags, err)
			}
		}
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		tags   string
		scheme Scheme
		bad    int    // index of the first bad tag, -1 if valid
		reason string // its SchemeError's reason
	}{
		{"B-PER I-PER O", IOB2, -1, ""},
		{"I-PER", IOB2, 0, "I- must continue a chunk of the same type"},
		{"B-PER I-LOC", IOB2, 1, "I- must continue a chunk of the same type"},
		{"O I-PER", IOB2, 1, "I- must continue a chunk of the same type"},
		{"I-PER B-PER", IOB1, -1, ""},
		{"B-PER", IOB1, 0, "B- only after a chunk of the same type"},
		{"I-LOC B-PER", IOB1, 1, "B- only after a chunk of the same type"},
		{"S-PER B-LOC E-LOC", IOBES, -1, ""},
		{"B-PER O", IOBES, 1, "previous chunk not closed with E-"},
		{"B-PER", IOBES, 0, "sequence ends inside a chunk (want E- or S-)"},
		{"B-PER E-LOC", IOBES, 1, "E- must continue B-/I- of the same type"},
		{"E-PER", IOBES, 0, "E- must continue B-/I- of the same type"},
		{"S-PER", IOB2, 0, "prefix must be B or I"},
		{"E-PER", IOB1, 0, "prefix must be B or I"},
		{"X-PER", IOBES, 0, "prefix must be B, I, E or S"},
		{"O-PER", IOB2, 0, "O takes no type"},
		{"B", IOB2, 0, "want PREFIX-TYPE or O"},
		{"", IOBES, -1, ""},
	}
	for _, c := range cases {
		err := Validate(strings.Fields(c.tags), c.scheme)
		var se *SchemeError
		switch {
		case c.bad < 0 && err != nil:
			t.Errorf("%q %v: unexpected %v", c.tags, c.scheme, err)
		case c.bad >= 0 && !errors.As(err, &se):
			t.Errorf("%q %v: err = %v, want SchemeError", c.tags, c.scheme, err)
		case c.bad >= 0 && (se.Index != c.bad || se.Reason != c.reason):
			t.Errorf("%q %v: bad index %d, reason %q; want %d, %q", c.tags, c.scheme, se.Index, se.Reason, c.bad, c.reason)
		}
	}
}

func TestDetectScheme(t *testing.T) {
	cases := []struct {
		seqs string
		want Scheme
	}{
		{"B-PER I-PER | O B-LOC", IOB2},
		{"I-PER I-PER | O B-LOC", IOB1},
		{"B-PER I-LOC", IOB1},
		{"O | B-PER E-PER", IOBES},
		{"O O", IOB2},
	}
	for _, c := range cases {
		if got := DetectScheme(sents(c.seqs)); got != c.want {
			t.Errorf("DetectScheme(%q) = %v want %v", c.seqs, got, c.want)
		}
	}
}

func TestParseScheme(t *testing.T) {
	for _, s := range []Scheme{IOB1, IOB2, IOBES} {
		got, err := ParseScheme(strings.ToUpper(s.String()))
		if err != nil || got != s {
			t.Errorf("ParseScheme(%v) = %v, %v", s, got, err)
		}
	}
	if _, err := ParseScheme("ioe"); err == nil {
		t.Error("want error for unknown scheme")
	}
}
