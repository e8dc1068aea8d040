//go:build linux

package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/recurrent-go/recurrent/lm/tinyshakespeare"
)

// badInputMaxRSS bounds the peak resident memory of any run refusing bad
// input (the process itself needs about 20 MB).
const badInputMaxRSS = 256 << 20

// stackTrace matches what a panic or a runtime fatal error prints.
var stackTrace = regexp.MustCompile(`goroutine \d+|panic:|fatal error:|\.go:\d+ \+0x`)

// badInputCase is one run of the binary on bad input: the arguments (run
// in the fixture directory) and strings the error must contain (the file
// or field it is about). ok marks the control runs on the valid fixtures,
// which must succeed; maxRSS overrides badInputMaxRSS.
type badInputCase struct {
	name   string
	args   []string
	want   []string
	ok     bool
	maxRSS int64
}

// fixtures writes the files the cases use into dir: small valid models of
// every task (trained by the binary), their damaged copies, and bad data.
func fixtures(t *testing.T, dir string) {
	t.Helper()
	writeFixture(t, dir, "lm.txt", []byte(tinyshakespeare.Text[:8000]))
	writePlantedTSV(t, filepath.Join(dir, "cls.tsv"), 60, 1)
	writeCapsCoNLL(t, filepath.Join(dir, "tag.conll"), 40, 1)
	writeFixture(t, dir, "pairs.tsv", []byte(strings.Repeat("abc\tcba\nhello\tolleh\n", 20)))
	trainFixtureModels(t, dir)
	damageFixtureCheckpoints(t, dir)
	writeBadDataFixtures(t, dir)
}

// writeFixture writes b to dir/name.
func writeFixture(t *testing.T, dir, name string, b []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeGzipFixture writes b gzip-compressed to dir/name.
func writeGzipFixture(t *testing.T, dir, name string, b []byte) {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	writeFixture(t, dir, name, buf.Bytes())
}

// trainFixtureModels trains, with the binary, a small model of every task
// in dir (lm, cls, tag and tr) on the data fixtures wrote there.
func trainFixtureModels(t *testing.T, dir string) {
	t.Helper()
	for _, args := range [][]string{
		{"lm", "train", "--train", "lm.txt", "--valid-fraction", "0", "--out", "lm", "--embed", "8", "--hidden", "8", "--layers", "1", "--bptt", "16", "--batch", "4", "--max-steps", "2"},
		{"classify", "train", "--train", "cls.tsv", "--out", "cls", "--embed", "8", "--hidden", "8", "--epochs", "1"},
		{"tag", "train", "--train", "tag.conll", "--out", "tag", "--word-embed", "8", "--char-embed", "4", "--char-hidden", "4", "--hidden", "8", "--epochs", "1"},
		{"translate", "train", "--train", "pairs.tsv", "--out", "tr", "--embed", "8", "--hidden", "8", "--epochs", "1"},
	} {
		if r := runBinary(t, dir, time.Minute, append(args, "--quiet", "--threads", "1")...); r.code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, r.code, r.stderr)
		}
	}
}

// copyCheckpoint copies the checkpoint dir/src to dir/dst and damages the
// copy with edit.
func copyCheckpoint(dir, src, dst string, edit func(dir string)) {
	d := filepath.Join(dir, dst)
	os.MkdirAll(d, 0o755)
	es, _ := os.ReadDir(filepath.Join(dir, src))
	for _, e := range es {
		b, _ := os.ReadFile(filepath.Join(dir, src, e.Name()))
		os.WriteFile(filepath.Join(d, e.Name()), b, 0o644)
	}
	edit(d)
}

// setConfig returns an edit for copyCheckpoint that sets the field at path
// in config.json to v and removes the manifest.
func setConfig(t *testing.T, path []string, v any) func(string) {
	return func(d string) {
		os.Remove(filepath.Join(d, "SHA256SUMS"))
		p := filepath.Join(d, "config.json")
		b, _ := os.ReadFile(p)
		var cfg map[string]any
		if err := json.Unmarshal(b, &cfg); err != nil {
			t.Fatal(err)
		}
		obj := cfg
		for _, k := range path[:len(path)-1] {
			obj = obj[k].(map[string]any)
		}
		obj[path[len(path)-1]] = v
		b, _ = json.Marshal(cfg)
		os.WriteFile(p, b, 0o644)
	}
}

// damageFixtureCheckpoints writes the damaged copies of the trained
// checkpoints: configs claiming huge sizes, edited, torn and NaN weights,
// a missing vocabulary and a config that is not JSON.
func damageFixtureCheckpoints(t *testing.T, dir string) {
	t.Helper()
	copyCheckpoint(dir, "lm", "lm_hidden", setConfig(t, []string{"model", "hidden_size"}, 1000000000))
	copyCheckpoint(dir, "lm", "lm_layers", setConfig(t, []string{"model", "num_layers"}, 1000000))
	copyCheckpoint(dir, "lm", "lm_edited", func(d string) {
		p := filepath.Join(d, "model.safetensors")
		b, _ := os.ReadFile(p)
		b[len(b)-3] ^= 0x40
		os.WriteFile(p, b, 0o644)
	})
	copyCheckpoint(dir, "lm", "lm_torn", func(d string) {
		os.Remove(filepath.Join(d, "SHA256SUMS"))
		p := filepath.Join(d, "model.safetensors")
		fi, _ := os.Stat(p)
		os.Truncate(p, fi.Size()/2)
	})
	copyCheckpoint(dir, "lm", "lm_nan", func(d string) {
		os.Remove(filepath.Join(d, "SHA256SUMS"))
		p := filepath.Join(d, "model.safetensors")
		b, _ := os.ReadFile(p)
		binary.LittleEndian.PutUint32(b[len(b)-4:], math.Float32bits(float32(math.NaN())))
		os.WriteFile(p, b, 0o644)
	})
	copyCheckpoint(dir, "lm", "lm_novocab", func(d string) {
		os.Remove(filepath.Join(d, "SHA256SUMS"))
		os.Remove(filepath.Join(d, "vocab.json"))
	})
	copyCheckpoint(dir, "lm", "lm_garbage", func(d string) {
		os.Remove(filepath.Join(d, "SHA256SUMS"))
		os.WriteFile(filepath.Join(d, "config.json"), []byte("{\"model\": [1, 2"), 0o644)
	})
	copyCheckpoint(dir, "cls", "cls_hidden", setConfig(t, []string{"model", "hidden"}, 1000000000))
	copyCheckpoint(dir, "tag", "tag_layers", setConfig(t, []string{"model", "layers"}, 1000000))
	copyCheckpoint(dir, "tr", "tr_hidden", setConfig(t, []string{"model", "hidden"}, 1000000000))
}

// writeBadDataFixtures writes the vector files (non-finite values, a word
// that is not UTF-8, headers announcing huge sizes, a truncated binary
// file, an empty one and a good one), the corpora and data files (text
// that is not UTF-8 or has no tokens, a line without its label, an unknown
// label, gzip files that are not gzip or hold noise, a pair without a TAB)
// and a directory where a file is expected.
func writeBadDataFixtures(t *testing.T, dir string) {
	t.Helper()
	// Vector files.
	writeFixture(t, dir, "nan.txt", []byte("a 1 2\nb nan 3\n"))
	writeFixture(t, dir, "inf.txt", []byte("2 2\na 1 2\nb 1 -Inf\n"))
	writeFixture(t, dir, "latin1.txt", []byte("a 1 2\ncaf\xe9 1 2\n"))
	writeFixture(t, dir, "lying.txt", []byte("1000000000000 3\na 1 2 3\n"))
	writeFixture(t, dir, "hugedim.txt", []byte("2 100000000000\na 1\n"))
	var bin bytes.Buffer
	bin.WriteString("3 4\na ")
	binary.Write(&bin, binary.LittleEndian, []float32{1, 2, 3, 4})
	bin.WriteString("\nb ")
	binary.Write(&bin, binary.LittleEndian, []float32{1, float32(math.NaN()), 3, 4})
	writeFixture(t, dir, "nan.bin", bin.Bytes())
	writeFixture(t, dir, "truncated.bin", bin.Bytes()[:20])
	writeFixture(t, dir, "empty.txt", nil)
	writeFixture(t, dir, "good.txt", []byte("a 1 2\nb 2 1\nc 1 1\n"))

	// Corpora and data files.
	writeFixture(t, dir, "latin1_corpus.txt", []byte("first line\nsecond caf\xe9 line\n"))
	writeFixture(t, dir, "blank.txt", []byte("\n \n\n"))
	writeFixture(t, dir, "sst_missing.txt", []byte("1 a warm film\n0 a dull film\nthis one has no label\n1 fine work\n"))
	writeFixture(t, dir, "cls_test_unknown.tsv", []byte("pos\ta fine film\nboring\tan unknown label\n"))
	writeGzipFixture(t, dir, "cls.tsv.gz", []byte("pos\ta fine film\nneg\ta dull film\npos\tgood\nneg\tbad\n"))
	writeFixture(t, dir, "notgzip.tsv.gz", []byte("pos\ta fine film\n"))
	rng := rand.New(rand.NewPCG(1, 1))
	noise := make([]byte, 4096)
	for i := range noise {
		noise[i] = byte(rng.IntN(256))
	}
	writeGzipFixture(t, dir, "noise.conll.gz", noise)
	writeFixture(t, dir, "notab.tsv", []byte("abc\tcba\nno tab here\n"))
	os.Mkdir(filepath.Join(dir, "adir"), 0o755)
}

// badInputCases returns the table, by category.
func badInputCases() map[string][]badInputCase {
	return map[string][]badInputCase{
		"vectors": {
			{name: "valid file (control)", args: []string{"vectors", "similar", "--vectors", "good.txt", "a"}, ok: true},
			{name: "NaN value", args: []string{"vectors", "similar", "--vectors", "nan.txt", "a"}, want: []string{"nan.txt", "line 2", `"b"`, "finite"}},
			{name: "-Inf value", args: []string{"vectors", "eval", "--vectors", "inf.txt"}, want: []string{"inf.txt", "line 3", "finite"}},
			{name: "NaN in binary", args: []string{"vectors", "convert", "--in", "nan.bin", "--out", "out.txt"}, want: []string{"nan.bin", "vector 2", "finite"}},
			{name: "non-UTF-8 word", args: []string{"vectors", "similar", "--vectors", "latin1.txt", "a"}, want: []string{"latin1.txt", "line 2", "UTF-8"}},
			{name: "header claims 10^12 words", args: []string{"vectors", "similar", "--vectors", "lying.txt", "a"}, want: []string{"lying.txt", "header announces"}},
			{name: "header claims 10^11 dimensions", args: []string{"vectors", "similar", "--vectors", "hugedim.txt", "a"}, want: []string{"hugedim.txt", "dimension"}},
			{name: "truncated binary", args: []string{"vectors", "similar", "--vectors", "truncated.bin", "a"}, want: []string{"truncated.bin", "truncated"}},
			{name: "empty file", args: []string{"vectors", "similar", "--vectors", "empty.txt", "a"}, want: []string{"empty.txt", "empty"}},
			{name: "directory", args: []string{"vectors", "similar", "--vectors", "adir", "a"}, want: []string{"adir"}},
			{name: "missing file", args: []string{"vectors", "similar", "--vectors", "missing.txt", "a"}, want: []string{"missing.txt"}},
			{name: "NaN vectors for classify", args: []string{"classify", "train", "--train", "cls.tsv", "--out", "x1", "--vectors", "nan.txt"}, want: []string{"nan.txt", "line 2", "finite"}},
			{name: "NaN vectors for tag", args: []string{"tag", "train", "--train", "tag.conll", "--out", "x2", "--vectors", "nan.bin"}, want: []string{"nan.bin", "finite"}},
		},
		"checkpoints": {
			{name: "valid lm (control)", args: []string{"lm", "score", "--model", "lm", "--text", "hello"}, ok: true},
			{name: "valid classifier (control)", args: []string{"classify", "predict", "--model", "cls", "--file", "cls.tsv"}, ok: true},
			{name: "valid translator (control)", args: []string{"translate", "run", "--model", "tr", "--input", "pairs.tsv"}, ok: true},
			{name: "lm hidden_size 1e9", args: []string{"lm", "score", "--model", "lm_hidden", "--text", "hi"}, want: []string{"config.json", "hidden_size 1000000000"}},
			{name: "lm num_layers 1e6", args: []string{"lm", "score", "--model", "lm_layers", "--text", "hi"}, want: []string{"config.json", "num_layers 1000000"}},
			{name: "lm edited weights", args: []string{"lm", "score", "--model", "lm_edited", "--text", "hi"}, want: []string{"model.safetensors", "SHA-256", "edited or torn"}},
			{name: "lm torn weights, no manifest", args: []string{"lm", "score", "--model", "lm_torn", "--text", "hi"}, want: []string{"model.safetensors"}},
			{name: "lm NaN weight", args: []string{"lm", "score", "--model", "lm_nan", "--text", "hi"}, want: []string{"NaN", "not usable"}},
			{name: "lm without vocab.json", args: []string{"lm", "score", "--model", "lm_novocab", "--text", "hi"}, want: []string{"lm_novocab", "vocab.json"}},
			{name: "lm config not JSON", args: []string{"lm", "sample", "--model", "lm_garbage"}, want: []string{"config.json"}},
			{name: "classifier hidden 1e9", args: []string{"classify", "predict", "--model", "cls_hidden", "--file", "cls.tsv"}, want: []string{"config.json", "model.hidden 1000000000"}},
			{name: "tagger layers 1e6", args: []string{"tag", "predict", "--model", "tag_layers", "--data", "tag.conll"}, want: []string{"config.json", "model.layers 1000000"}},
			{name: "translator hidden 1e9", args: []string{"translate", "run", "--model", "tr_hidden", "--input", "pairs.tsv"}, want: []string{"config.json", "model.hidden 1000000000"}},
			{name: "not a checkpoint", args: []string{"classify", "predict", "--model", "adir", "--file", "cls.tsv"}, want: []string{"adir"}},
			{name: "file as checkpoint", args: []string{"tag", "predict", "--model", "tag.conll", "--data", "tag.conll"}, want: []string{"tag.conll", "not a directory"}},
		},
		"corpora": {
			{name: "gzip classification data (control)", args: []string{"classify", "train", "--train", "cls.tsv.gz", "--out", "c1", "--embed", "4", "--hidden", "4", "--epochs", "1"}, ok: true},
			{name: "lm corpus not UTF-8", args: []string{"lm", "train", "--train", "latin1_corpus.txt", "--out", "c2"}, want: []string{"latin1_corpus.txt:2", "UTF-8"}},
			{name: "lm corpus without tokens", args: []string{"lm", "train", "--train", "blank.txt", "--out", "c3", "--tokenizer", "word"}, want: []string{"blank.txt", "no tokens"}},
			{name: "SST line without label", args: []string{"classify", "train", "--train", "sst_missing.txt", "--format", "sst", "--out", "c4"}, want: []string{"sst_missing.txt:3", `"this"`}},
			{name: "unknown label in --test", args: []string{"classify", "train", "--train", "cls.tsv", "--test", "cls_test_unknown.tsv", "--out", "c5", "--epochs", "50"}, want: []string{"cls_test_unknown.tsv:2", "unknown label"}},
			{name: "plain file named .gz", args: []string{"classify", "train", "--train", "notgzip.tsv.gz", "--out", "c6"}, want: []string{"notgzip.tsv.gz", "not gzip"}},
			{name: "binary CoNLL", args: []string{"tag", "train", "--train", "noise.conll.gz", "--out", "c7"}, want: []string{"noise.conll.gz", "UTF-8"}},
			{name: "pair without TAB", args: []string{"translate", "train", "--train", "notab.tsv", "--out", "c8"}, want: []string{"notab.tsv:2", "TAB"}},
			{name: "missing training file", args: []string{"tag", "train", "--train", "missing.conll", "--out", "c9"}, want: []string{"missing.conll"}},
		},
		"flags": {
			{name: "translate --hidden 0", args: []string{"translate", "train", "--train", "pairs.tsv", "--out", "f1", "--hidden", "0"}, want: []string{"--hidden 0"}},
			{name: "translate --batch -1", args: []string{"translate", "train", "--train", "pairs.tsv", "--out", "f2", "--batch", "-1"}, want: []string{"--batch -1"}},
			{name: "translate --lr -1", args: []string{"translate", "train", "--train", "pairs.tsv", "--out", "f3", "--lr", "-1"}, want: []string{"--lr -1"}},
			{name: "translate --decoder-hidden -4", args: []string{"translate", "train", "--train", "pairs.tsv", "--out", "f4", "--decoder-hidden", "-4"}, want: []string{"decoder_hidden -4"}},
			{name: "lm --hidden -5", args: []string{"lm", "train", "--train", "lm.txt", "--out", "f5", "--hidden", "-5"}, want: []string{"hidden"}},
			{name: "lm --cell unknown", args: []string{"lm", "train", "--train", "lm.txt", "--out", "f6", "--cell", "transformer"}, want: []string{"transformer"}},
			{name: "classify --pool unknown", args: []string{"classify", "train", "--train", "cls.tsv", "--out", "f7", "--pool", "median"}, want: []string{"median"}},
			{name: "tag --scheme unknown", args: []string{"tag", "train", "--train", "tag.conll", "--out", "f8", "--scheme", "bilou2"}, want: []string{"bilou2"}},
			{name: "not a number", args: []string{"classify", "train", "--train", "cls.tsv", "--out", "f9", "--epochs", "ten"}, want: []string{"--epochs", "ten"}},
			{name: "missing --out", args: []string{"tag", "train", "--train", "tag.conll"}, want: []string{"--out"}},
		},
	}
}

// TestBadInputCLI runs the binary on bad vector files, checkpoints,
// corpora and flags: each must exit non-zero with a message naming the
// file, line or field, print no stack trace, and stay under a peak RSS
// bound (a config claiming 10^9 hidden units must not allocate them).
func TestBadInputCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary on many inputs")
	}
	dir := t.TempDir()
	fixtures(t, dir)
	for cat, cases := range badInputCases() {
		t.Run(cat, func(t *testing.T) {
			var peak int64
			for _, c := range cases {
				r := runBinary(t, dir, time.Minute, c.args...)
				peak = max(peak, r.maxRSS)
				out := r.stdout + r.stderr
				switch {
				case c.ok && r.code != 0:
					t.Errorf("%s: exit %d\n%s", c.name, r.code, out)
				case !c.ok && r.code == 0:
					t.Errorf("%s: exit 0, want an error\n%s", c.name, out)
				}
				if stackTrace.MatchString(out) {
					t.Errorf("%s: stack trace\n%s", c.name, out)
				}
				for _, w := range c.want {
					if !strings.Contains(r.stderr, w) {
						t.Errorf("%s: error does not mention %q:\n%s", c.name, w, r.stderr)
					}
				}
				limit := int64(badInputMaxRSS)
				if c.maxRSS > 0 {
					limit = c.maxRSS
				}
				if r.maxRSS > limit {
					t.Errorf("%s: peak RSS %d MB > %d MB", c.name, r.maxRSS>>20, limit>>20)
				}
			}
			t.Logf("%s: %d cases, peak RSS %d MB", cat, len(cases), peak>>20)
		})
	}
}
