package vectors

import (
	"bufio"
	"bytes"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/internal/testutil"
)

// readExpected reads fasttext print-word-vectors output: "word v1 ... vd".
func readExpected(t *testing.T, path string) (words []string, vecs [][]float32) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		words = append(words, fs[0])
		var v []float32
		for _, s := range fs[1:] {
			x, err := strconv.ParseFloat(s, 32)
			if err != nil {
				t.Fatal(err)
			}
			v = append(v, float32(x))
		}
		vecs = append(vecs, v)
	}
	return words, vecs
}

// TestFastTextBin compares the vectors read from a model trained by the
// Debian fasttext binary with what `fasttext print-word-vectors` prints for
// the same words (testdata/gen_fasttext.sh), for words of the vocabulary
// (own row plus n-grams) and words outside it (n-grams only, including
// non-ASCII ones, which depend on fastText's signed-byte hash).
func TestFastTextBin(t *testing.T) {
	v, err := Load("testdata/fasttext_tiny.bin")
	if err != nil {
		t.Fatal(err)
	}
	if v.Dim != 10 || v.Len() < 100 || v.Words[0] != "</s>" || v.Subwords == nil || v.Subwords.Minn != 2 || v.Subwords.Maxn != 4 || v.Subwords.Bucket != 2000 {
		t.Fatalf("read %d words of dim %d, first %q, subwords %+v", v.Len(), v.Dim, v.Words[0], v.Subwords)
	}
	x := NewIndex(v)
	if in, out := compareFastText(t, v, x, "testdata/fasttext_tiny.expected"); in < 5 || out < 5 {
		t.Fatalf("%d words in the vocabulary and %d outside: the test data should have both", in, out)
	}
	// The vectors of an OOV word are usable in queries.
	if _, _, err := x.WordVec("zebra"); err != nil {
		t.Fatal(err)
	}
	nb, err := x.MostSimilar([]string{"citizenship"}, nil, 3, 0)
	if err != nil || len(nb) != 3 {
		t.Fatalf("most similar to an OOV word: %v %v", nb, err)
	}
	s, err := x.Similarity("naïveté", "naïve")
	if err != nil || s < 0.5 {
		t.Fatalf("similarity naïveté/naïve = %v, %v", s, err)
	}
	// Analogies with an OOV word are answered; for words all in the
	// vocabulary the vector path gives the batch path's answers.
	for _, m := range []Method{CosAdd, CosMul} {
		if nb, err := x.Analogy("citizens", "citizenship", "the", m, 3, 0); err != nil || len(nb) != 3 {
			t.Fatalf("analogy with an OOV word (%v): %v %v", m, nb, err)
		}
		abc := v.Words[5:8]
		want, err := x.Analogy(abc[0], abc[1], abc[2], m, 5, 0)
		if err != nil {
			t.Fatal(err)
		}
		vecs, rows, _ := x.wordVecs(abc)
		if len(rows) != 3 {
			t.Fatalf("%d of 3 words in the vocabulary", len(rows))
		}
		got := x.analogyByVectors(vecs, rows, m, 5, 0)
		for n := range want {
			if got[n].Word != want[n].Word || math.Abs(float64(got[n].Score-want[n].Score)) > 1e-5 {
				t.Errorf("%v: answer %d by vectors %+v, by rows %+v", m, n, got[n], want[n])
			}
		}
	}
	if _, missing, err := x.DoesntMatch([]string{"citizenship", "citizens", "zebra"}); err != nil || len(missing) != 0 {
		t.Fatalf("doesn't match with OOV words: missing %v, %v", missing, err)
	}
}

// compareFastText checks v's vectors (through x) of the words of a
// print-word-vectors output, counting those in and outside the vocabulary.
func compareFastText(t *testing.T, v *Vectors, x *Index, expected string) (in, out int) {
	t.Helper()
	words, want := readExpected(t, expected)
	for n, w := range words {
		var got []float32
		if i, ok := x.Lookup(w); ok {
			got = v.Vec(i)
			in++
		} else {
			got = make([]float32, v.Dim)
			if !v.Subwords.Vector(w, got) {
				t.Fatalf("%q: no n-grams", w)
			}
			out++
		}
		for k := range got {
			// fastText prints 5 significant digits; the values are below
			// 1, so 1e-5 absolute covers that rounding.
			if d := math.Abs(float64(got[k] - want[n][k])); !(d <= 1e-5) {
				t.Errorf("%q[%d] = %.7g, fasttext print-word-vectors %.7g", w, k, got[k], want[n][k])
			}
		}
	}
	return in, out
}

// TestFastTextSupervised reads a supervised model: its labels are not
// words, its word vectors match fastText's; the quantized model is refused.
func TestFastTextSupervised(t *testing.T) {
	v, err := Load("testdata/fasttext_sup.bin")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range v.Words {
		if strings.HasPrefix(w, "__label__") {
			t.Fatalf("label %q among the words", w)
		}
	}
	if v.Dim != 4 || v.Subwords.Minn != 2 || v.Subwords.Maxn != 3 {
		t.Fatalf("dim %d, subwords %+v", v.Dim, v.Subwords)
	}
	if in, out := compareFastText(t, v, NewIndex(v), "testdata/fasttext_sup.expected"); in == 0 || out == 0 {
		t.Fatalf("%d words in the vocabulary, %d outside", in, out)
	}
	if _, err := Load("testdata/fasttext_sup.ftz"); err == nil || !strings.Contains(err.Error(), "quantized model") {
		t.Errorf(".ftz: %v", err)
	}
}

func TestFastTextBinErrors(t *testing.T) {
	b, err := os.ReadFile("testdata/fasttext_tiny.bin")
	if err != nil {
		t.Fatal(err)
	}
	edit := func(off int, bs ...byte) []byte {
		c := bytes.Clone(b)
		copy(c[off:], bs)
		return c
	}
	// Offsets: magic 0, version 4, args 8..56, t 56..64, dictionary size 64.
	quant := bytes.Clone(b)
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"truncated", b[:len(b)/2], "truncated"},
		{"header_only", b[:30], "truncated"},
		{"version", edit(4, 99), "format version 99"},
		{"dim", edit(8, 0, 0, 0, 0x80), "dimension"},
		{"dictionary", edit(64, 0xff, 0xff, 0xff, 0x7f), "dictionary of"},
		{"quantized", quant, "quantized"},
	} {
		if tc.name == "quantized" {
			// The quantization flag follows the dictionary: find it by
			// reading the file up to it.
			v, _ := ReadFastText(bytes.NewReader(b))
			off := 64 + 4*3 + 8 + 8
			for _, w := range v.Words {
				off += len(w) + 1 + 8 + 1
			}
			tc.data[off] = 1
		}
		_, err := Read(bytes.NewReader(tc.data))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	// A gzip-compressed model is read too.
	if v, err := Read(bytes.NewReader(testutil.Gzip(b))); err != nil || v.Subwords == nil {
		t.Errorf("gzip .bin: %v", err)
	}
	// Writing is refused.
	if err := Write(&bytes.Buffer{}, sampleVectors(), FastTextBinary); err == nil {
		t.Error("writing fastText .bin: no error")
	}
}

// TestFastTextHash checks the signed-byte FNV-1a variant against plain
// FNV-1a: equal on ASCII, different once a byte has its high bit set.
func TestFastTextHash(t *testing.T) {
	fnv := func(s string) uint32 {
		h := uint32(2166136261)
		for i := 0; i < len(s); i++ {
			h ^= uint32(s[i])
			h *= 16777619
		}
		return h
	}
	if fastTextHash("<the>") != fnv("<the>") {
		t.Error("ASCII hash differs from FNV-1a")
	}
	if fastTextHash("café") == fnv("café") {
		t.Error("non-ASCII hash equals plain FNV-1a: the byte is not sign-extended")
	}
}

// TestForeignFiles: files that are not vector files say what they are.
func TestForeignFiles(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"gensim_kv", []byte("\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00\x8c\x1egensim.models.keyedvectors"), "save_word2vec_format"},
		{"gensim_model_p2", []byte("\x80\x02cgensim.models.word2vec\nWord2Vec\n"), "pickle"},
		{"torch_zip", []byte("PK\x03\x04\x00\x00\x00\x00archive/data.pkl"), "zip archive"},
		{"npy", []byte("\x93NUMPY\x01\x00v\x00{'descr': '<f4'"), "NumPy"},
	} {
		_, err := Read(bytes.NewReader(tc.data))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

// FuzzReadFastText: no input makes the reader panic or allocate without
// bound.
func FuzzReadFastText(f *testing.F) {
	for _, name := range []string{"fasttext_sup.bin", "fasttext_sup.ftz"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := ReadFastText(bytes.NewReader(b))
		if err == nil && v.Subwords != nil {
			v.Subwords.Vector("zebra", make([]float32, v.Dim))
		}
	})
}

// TestFastTextEmbeddingMatrix: a model vocabulary's words missing from a
// fastText model get its n-gram vector in the embedding matrix.
func TestFastTextEmbeddingMatrix(t *testing.T) {
	v, err := Load("testdata/fasttext_tiny.bin")
	if err != nil {
		t.Fatal(err)
	}
	data, found := EmbeddingMatrix([]string{"the", "zebra", "naïveté"}, v, v.Dim, nil)
	if found != 3 {
		t.Fatalf("found %d of 3", found)
	}
	want := make([]float32, v.Dim)
	v.Subwords.Vector("zebra", want)
	for k := range want {
		if data[v.Dim+k] != want[k] {
			t.Fatalf("zebra[%d] = %v, n-gram vector %v", k, data[v.Dim+k], want[k])
		}
	}
	// Without the n-grams, the OOV rows are random.
	v.Subwords = nil
	if _, found := EmbeddingMatrix([]string{"the", "zebra"}, v, v.Dim, nil); found != 1 {
		t.Errorf("found %d without subwords, want 1", found)
	}
}
