package text

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/internal/testutil"
)

func seq(n int) []int32 {
	s := make([]int32, n)
	for i := range s {
		s[i] = int32(i)
	}
	return s
}

func TestStreamBatcherLayout(t *testing.T) {
	tests := []struct {
		n, b, t    int
		wantL      int
		wantChunks int
		wantSteps  []int
	}{
		{n: 26, b: 4, t: 2, wantL: 6, wantChunks: 3, wantSteps: []int{2, 2, 1}},
		{n: 20, b: 2, t: 3, wantL: 10, wantChunks: 3, wantSteps: []int{3, 3, 3}},
		{n: 10, b: 5, t: 4, wantL: 2, wantChunks: 1, wantSteps: []int{1}},
		{n: 7, b: 1, t: 10, wantL: 7, wantChunks: 1, wantSteps: []int{6}},
		{n: 9, b: 1, t: 1, wantL: 9, wantChunks: 8, wantSteps: []int{1, 1, 1, 1, 1, 1, 1, 1}},
	}
	for _, tc := range tests {
		ids := seq(tc.n)
		s, err := NewStreamBatcher(ids, tc.b, tc.t)
		if err != nil {
			t.Fatal(err)
		}
		if s.StreamLen() != tc.wantL || s.NumChunks() != tc.wantChunks || s.NumTargets() != tc.b*(tc.wantL-1) {
			t.Fatalf("n=%d b=%d t=%d: L=%d chunks=%d", tc.n, tc.b, tc.t, s.StreamLen(), s.NumChunks())
		}
		x := make([]int32, tc.t*tc.b)
		y := make([]int32, tc.t*tc.b)
		pos := make([]int, tc.b) // next expected position within each stream
		targets := 0
		for k := range s.NumChunks() {
			steps := s.Chunk(k, x, y)
			if steps != tc.wantSteps[k] {
				t.Errorf("chunk %d: %d steps, want %d", k, steps, tc.wantSteps[k])
			}
			for st := range steps {
				for b := range tc.b {
					// Stream b holds ids b*L .. b*L+L-1, contiguous across chunks.
					wantX := int32(b*tc.wantL + pos[b])
					if x[st*tc.b+b] != wantX || y[st*tc.b+b] != wantX+1 {
						t.Fatalf("n=%d b=%d t=%d chunk %d (t=%d,b=%d): x=%d y=%d, want %d %d",
							tc.n, tc.b, tc.t, k, st, b, x[st*tc.b+b], y[st*tc.b+b], wantX, wantX+1)
					}
					pos[b]++
					targets++
				}
			}
		}
		if targets != s.NumTargets() {
			t.Errorf("saw %d targets, want %d", targets, s.NumTargets())
		}
		for b := range tc.b {
			if pos[b] != tc.wantL-1 {
				t.Errorf("stream %d consumed %d inputs, want %d", b, pos[b], tc.wantL-1)
			}
		}
	}
}

func TestStreamBatcherExplicit(t *testing.T) {
	// 0..11, B=3 -> streams [0 1 2 3] [4 5 6 7] [8 9 10 11], T=2.
	s, err := NewStreamBatcher(seq(12), 3, 2)
	if err != nil {
		t.Fatal(err)
	}
	x, y := make([]int32, 6), make([]int32, 6)
	if n := s.Chunk(0, x, y); n != 2 || !slices.Equal(x, []int32{0, 4, 8, 1, 5, 9}) || !slices.Equal(y, []int32{1, 5, 9, 2, 6, 10}) {
		t.Errorf("chunk 0: %d %v %v", n, x, y)
	}
	if n := s.Chunk(1, x, y); n != 1 || !slices.Equal(x[:3], []int32{2, 6, 10}) || !slices.Equal(y[:3], []int32{3, 7, 11}) {
		t.Errorf("chunk 1: %d %v %v", n, x[:3], y[:3])
	}
}

func TestStreamBatcherErrors(t *testing.T) {
	for _, tc := range []struct{ n, b, t int }{{3, 2, 5}, {0, 1, 1}, {1, 1, 1}, {10, 0, 1}, {10, 1, 0}} {
		if _, err := NewStreamBatcher(seq(tc.n), tc.b, tc.t); err == nil {
			t.Errorf("n=%d b=%d t=%d: no error", tc.n, tc.b, tc.t)
		}
	}
	_, err := NewStreamBatcher(seq(5), 4, 3)
	if err == nil || !strings.Contains(err.Error(), "too short") {
		t.Errorf("short corpus error = %v", err)
	}
}

func TestPad(t *testing.T) {
	p, err := Pad([][]int32{{1, 2, 3}, {4}, {5, 6}}, 9)
	if err != nil {
		t.Fatal(err)
	}
	wantIDs := []int32{
		1, 4, 5, // t=0
		2, 9, 6, // t=1
		3, 9, 9, // t=2
	}
	if p.T != 3 || p.B != 3 || p.Pad != 9 || !slices.Equal(p.IDs, wantIDs) || !slices.Equal(p.Lengths, []int{3, 1, 2}) {
		t.Errorf("Pad = %+v", p)
	}
	// Reuse buffers with a smaller batch.
	if err := PadInto(&p, [][]int32{{7}, {8, 8}}, 0); err != nil {
		t.Fatal(err)
	}
	if p.T != 2 || p.B != 2 || !slices.Equal(p.IDs, []int32{7, 8, 0, 8}) || !slices.Equal(p.Lengths, []int{1, 2}) {
		t.Errorf("PadInto = %+v", p)
	}
	if _, err := Pad(nil, 0); err == nil {
		t.Error("Pad(nil): no error")
	}
	if _, err := Pad([][]int32{{1}, {}}, 0); err == nil || !strings.Contains(err.Error(), "sequence 1") {
		t.Errorf("Pad with empty sequence: %v", err)
	}
}

func TestBatches(t *testing.T) {
	lengths := []int{5, 1, 3, 1, 4, 2, 2, 6, 3, 5, 1}
	tests := []struct {
		name string
		opt  BatchOptions
	}{
		{"plain", BatchOptions{Size: 3}},
		{"shuffle", BatchOptions{Size: 3, Shuffle: true, Seed: 7}},
		{"bucket", BatchOptions{Size: 4, Bucket: true}},
		{"bucket shuffle", BatchOptions{Size: 4, Bucket: true, Shuffle: true, Seed: 7}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bs, err := Batches(lengths, tc.opt, 0)
			if err != nil {
				t.Fatal(err)
			}
			var all []int
			for i, b := range bs {
				if len(b) > tc.opt.Size || len(b) == 0 {
					t.Errorf("batch %d has %d items", i, len(b))
				}
				all = append(all, b...)
			}
			slices.Sort(all)
			if !slices.Equal(all, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}) {
				t.Errorf("batches do not cover every index exactly once: %v", bs)
			}
			again, _ := Batches(lengths, tc.opt, 0)
			if !slices.EqualFunc(bs, again, slices.Equal) {
				t.Error("not deterministic")
			}
			if tc.opt.Bucket {
				// Each batch holds a contiguous range of the sorted lengths.
				var spans [][2]int
				for _, b := range bs {
					lo, hi := lengths[b[0]], lengths[b[0]]
					for _, i := range b {
						lo, hi = min(lo, lengths[i]), max(hi, lengths[i])
					}
					spans = append(spans, [2]int{lo, hi})
				}
				slices.SortFunc(spans, func(a, b [2]int) int { return a[0] - b[0] })
				for i := 1; i < len(spans); i++ {
					if spans[i][0] < spans[i-1][1] {
						t.Errorf("bucketed batches overlap in length: %v", spans)
					}
				}
			}
			if !tc.opt.Shuffle && !tc.opt.Bucket && !slices.Equal(bs[0], []int{0, 1, 2}) {
				t.Errorf("plain first batch %v", bs[0])
			}
		})
	}
	a, _ := Batches(lengths, BatchOptions{Size: 3, Shuffle: true, Seed: 1}, 0)
	b, _ := Batches(lengths, BatchOptions{Size: 3, Shuffle: true, Seed: 1}, 1)
	c, _ := Batches(lengths, BatchOptions{Size: 3, Shuffle: true, Seed: 2}, 0)
	if slices.EqualFunc(a, b, slices.Equal) || slices.EqualFunc(a, c, slices.Equal) {
		t.Error("epoch or seed does not change the shuffle")
	}
	if _, err := Batches(lengths, BatchOptions{}, 0); err == nil {
		t.Error("size 0: no error")
	}
	if _, err := Batches(nil, BatchOptions{Size: 2}, 0); err == nil {
		t.Error("no sequences: no error")
	}
}

func TestEncodeReader(t *testing.T) {
	tok := &Tokenizer{Mode: Whitespace, EOS: EOS}
	c := NewCounter()
	if err := CountReader(c, tok, strings.NewReader("a b a\nc\n"), "train"); err != nil {
		t.Fatal(err)
	}
	v, err := BuildVocab(c, VocabOptions{Specials: []string{UNK, EOS}})
	if err != nil {
		t.Fatal(err)
	}
	ids, err := EncodeReader(v, tok, strings.NewReader("a z\nb\n"), "valid")
	if err != nil {
		t.Fatal(err)
	}
	want := []int32{v.ID("a"), 0, 1, v.ID("b"), 1}
	if !slices.Equal(ids, want) {
		t.Errorf("ids %v want %v", ids, want)
	}
	if _, err := EncodeReader(v, tok, strings.NewReader("a\n\xff"), "bad"); !errors.Is(err, ErrInvalidUTF8) {
		t.Errorf("invalid input: %v", err)
	}
	closed, _ := BuildVocab(c, VocabOptions{Specials: []string{}})
	if _, err := EncodeReader(closed, tok, strings.NewReader("a\nzz\n"), "f.txt"); err == nil || !strings.Contains(err.Error(), "f.txt:2") {
		t.Errorf("OOV without unk: %v", err)
	}
}

func BenchmarkStreamChunk(b *testing.B) {
	s, _ := NewStreamBatcher(seq(1_000_000), 32, 64)
	x, y := make([]int32, 64*32), make([]int32, 64*32)
	k := 0
	for b.Loop() {
		s.Chunk(k%s.NumChunks(), x, y)
		k++
	}
}

func TestFiles(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "a.txt")
	if err := os.WriteFile(plain, []byte("x y\ny\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	gz := filepath.Join(dir, "b.txt.gz")
	testutil.WriteGzip(t, gz, "y z\n")
	tok := &Tokenizer{Mode: Whitespace, EOS: EOS}
	c := NewCounter()
	for _, p := range []string{plain, gz} {
		if err := CountFile(c, tok, p); err != nil {
			t.Fatal(err)
		}
	}
	if c.Count("y") != 3 || c.Count("z") != 1 || c.Count(EOS) != 3 {
		t.Errorf("counts y=%d z=%d eos=%d", c.Count("y"), c.Count("z"), c.Count(EOS))
	}
	v, _ := BuildVocab(c, VocabOptions{Specials: []string{UNK, EOS}})
	ids, err := EncodeFile(v, tok, gz)
	if err != nil || !slices.Equal(ids, []int32{v.ID("y"), v.ID("z"), 1}) {
		t.Errorf("EncodeFile = %v, %v", ids, err)
	}
	if _, err := EncodeFile(v, tok, filepath.Join(dir, "missing")); err == nil {
		t.Error("missing file: no error")
	}
	if err := os.WriteFile(filepath.Join(dir, "bad.gz"), []byte("not gzip"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := CountFile(c, tok, filepath.Join(dir, "bad.gz")); err == nil {
		t.Error("corrupt gzip: no error")
	}
}

// TestLengthOrder: indices by length, ties in index order.
func TestLengthOrder(t *testing.T) {
	seqs := [][]int32{{1, 2, 3}, {1}, {1, 2}, {4}, {}}
	got := LengthOrder(seqs)
	want := []int{4, 1, 3, 2, 0}
	if !slices.Equal(got, want) {
		t.Errorf("LengthOrder = %v, want %v", got, want)
	}
}

// TestBatchesWindow checks Window against a direct statement of it: the
// shuffled indices are ordered by length within each window of Window
// batches only, then cut, and the batches shuffled.
func TestBatchesWindow(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	lengths := make([]int, 103)
	for i := range lengths {
		lengths[i] = 1 + r.IntN(9)
	}
	const size, window = 4, 3
	got, err := Batches(lengths, BatchOptions{Size: size, Bucket: true, Window: window, Shuffle: true, Seed: 5}, 2)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 2))
	idx := rng.Perm(len(lengths))
	var want [][]int
	for lo := 0; lo < len(idx); lo += size * window {
		w := idx[lo:min(len(idx), lo+size*window)]
		sort.SliceStable(w, func(a, b int) bool { return lengths[w[a]] < lengths[w[b]] })
		for i := 0; i < len(w); i += size {
			want = append(want, w[i:min(len(w), i+size)])
		}
	}
	rng.Shuffle(len(want), func(i, j int) { want[i], want[j] = want[j], want[i] })
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("batches %v, want %v", got, want)
	}
	all, _ := Batches(lengths, BatchOptions{Size: size, Bucket: true, Shuffle: true, Seed: 5}, 2)
	if reflect.DeepEqual(got, all) {
		t.Error("Window changed nothing")
	}
}

func TestPaddedRuns(t *testing.T) {
	defer func(n int) { MaxPaddedTokens = n }(MaxPaddedTokens)
	MaxPaddedTokens = 12
	for _, tc := range []struct {
		lengths []int
		batch   int
		want    []int
	}{
		{nil, 4, nil},
		{[]int{1, 1, 1, 1, 1}, 2, []int{2, 4, 5}},
		{[]int{2, 2, 2, 2, 2, 2, 2}, 10, []int{6, 7}},  // 6*2 = 12 fits, 7*2 does not
		{[]int{1, 1, 1, 50, 1, 1}, 10, []int{3, 4, 6}}, // the long one alone
		{[]int{50, 60}, 10, []int{1, 2}},
		{[]int{3, 1, 4, 1}, 3, []int{3, 4}}, // 3*4 = 12 fits
		{[]int{3, 1, 5, 1}, 3, []int{2, 4}},
	} {
		if got := PaddedRuns(tc.lengths, tc.batch); !slices.Equal(got, tc.want) {
			t.Errorf("PaddedRuns(%v, %d) = %v, want %v", tc.lengths, tc.batch, got, tc.want)
		}
	}
}

// PaddedBatches gives the sequences' indices in length order, cut as
// PaddedRuns cuts their lengths.
func TestPaddedBatches(t *testing.T) {
	defer func(n int) { MaxPaddedTokens = n }(MaxPaddedTokens)
	MaxPaddedTokens = 12
	seqs := [][]int32{make([]int32, 50), {1}, {1, 2}, {1}, make([]int32, 3)}
	got := PaddedBatches(seqs, 3)
	want := [][]int{{1, 3, 2}, {4}, {0}} // batch 3 cuts after three; the long one runs alone
	if len(got) != len(want) {
		t.Fatalf("PaddedBatches = %v, want %v", got, want)
	}
	for i := range want {
		if !slices.Equal(got[i], want[i]) {
			t.Errorf("PaddedBatches = %v, want %v", got, want)
		}
	}
	if got := PaddedBatches([][]int32{}, 4); len(got) != 0 {
		t.Errorf("no sequences: %v", got)
	}
}
