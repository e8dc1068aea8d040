package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/checkpoint"
	"github.com/recurrent-go/recurrent/infer/infertest"
	"github.com/recurrent-go/recurrent/internal/cli"
)

// TestRequiredFlags: a command run without its model or data names what is
// missing, the same way everywhere.
func TestRequiredFlags(t *testing.T) {
	for _, args := range [][]string{
		{"lm", "sample"}, {"lm", "score"}, {"lm", "eval"}, {"lm", "eval-labels"}, {"classify", "eval"},
		{"classify", "predict"}, {"classify", "export-vectors"}, {"tag", "eval"}, {"tag", "predict"}, {"translate", "eval"},
		{"lm", "quantize", "--out", t.TempDir()},
	} {
		_, err := runCLIIn(t, "", args...)
		if err == nil || !strings.Contains(err.Error(), `required flag(s) "model"`) && !strings.Contains(err.Error(), `"model" not set`) {
			t.Errorf("%v: err = %v", args, err)
		}
	}
	// lm sample draws at least one sample.
	for _, n := range []string{"0", "-1"} {
		if _, err := runCLIIn(t, "", "lm", "sample", "--model", "m", "--num", n); err == nil || !strings.Contains(err.Error(), "--num "+n+": must be positive") {
			t.Errorf("lm sample --num %s: %v", n, err)
		}
	}
	// Commands that need more than a model list every missing flag.
	for args, want := range map[string]string{
		"lm quantize":                         `required flag(s) "model", "out" not set`,
		"lm import --vocab v.txt":             `required flag(s) "out", "state-dict" not set`,
		"lm import --state-dict x.pt --out o": `required flag(s) "vocab" not set`,
	} {
		if _, err := runCLIIn(t, "", strings.Fields(args)...); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", args, err, want)
		}
	}
}

// TestStdinReadOnce: standard input can be read once, so a command given
// "-" for two of its inputs is a usage error naming them, before any work.
// vectors eval --vectors - --analogy - read the vectors and then an empty
// analogy file, and reported 0.00% (0/0) as a success; lm score with "-"
// twice scored the lines once and the second "-" as nothing.
func TestStdinReadOnce(t *testing.T) {
	tiny, err := os.ReadFile(tinyVectors)
	if err != nil {
		t.Fatal(err)
	}
	const analogies = "../../vectors/testdata/tiny_analogies.txt"
	out := t.TempDir() + "/out"
	if _, err := runCLIIn(t, string(tiny), "vectors", "eval", "--vectors", "-", "--analogy", analogies); err != nil {
		t.Fatalf("one input from standard input: %v", err)
	}
	for _, c := range []struct {
		args  []string
		names []string
	}{
		{[]string{"vectors", "eval", "--vectors", "-", "--analogy", "-"}, []string{"--vectors", "--analogy"}},
		{[]string{"vectors", "eval", "--vectors", tinyVectors, "--no-analogy", "--similarity", "-", "--similarity", "-"}, []string{"--similarity", "--similarity"}},
		{[]string{"vectors", "debias", "--vectors", "-", "--analogy", "-", "--out", out + ".txt"}, []string{"--vectors", "--analogy"}},
		{[]string{"lm", "score", "--model", "m", "--file", "-", "-"}, []string{"--file", "argument -"}},
		{[]string{"lm", "eval", "--model", "m", "-", "-"}, []string{"argument -", "argument -"}},
		{[]string{"classify", "score", "--data", "-", "--pred", "-"}, []string{"--data", "--pred"}},
		{[]string{"classify", "train", "--train", "-", "--valid", "-", "--out", out}, []string{"--train", "--valid"}},
		{[]string{"lm", "train-labels", "--train", "-", "--valid", "-", "--out", out}, []string{"--train", "--valid"}},
		{[]string{"translate", "bleu", "--ref", "-", "--hyp", "-"}, []string{"--hyp", "--ref"}},
	} {
		_, err := runCLIIn(t, string(tiny), c.args...)
		ok := errors.As(err, new(cli.UsageError)) && strings.Contains(err.Error(), "standard input")
		for _, n := range c.names {
			ok = ok && strings.Contains(err.Error(), n)
		}
		if !ok {
			t.Errorf("%s: %v; want a usage error naming %s", strings.Join(c.args, " "), err, strings.Join(c.names, " and "))
		}
	}
}

// TestOutputFileChecked: an output file that is an existing directory, or
// lies in a missing one, is a usage error naming the flag before any work:
// translate eval decoded every pair and then failed to rename its --hyp
// over the directory, tag predict tagged the whole input.
func TestOutputFileChecked(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "none", "out.txt")
	for _, c := range []struct {
		args []string
		flag string
	}{
		{[]string{"translate", "eval", "--model", "m", "--data", "d", "--hyp", dir}, "--hyp"},
		{[]string{"translate", "eval", "--model", "m", "--data", "d", "--hyp", missing}, "--hyp"},
		{[]string{"translate", "run", "--model", "m", "--attention-json", dir}, "--attention-json"},
		{[]string{"translate", "run", "--model", "m", "--attention-png", missing}, "--attention-png"},
		{[]string{"tag", "predict", "--model", "m", "--out", dir}, "--out"},
		{[]string{"vectors", "plot", "--vectors", tinyVectors, "--out", dir, "man", "king"}, "--out"},
		// bench serve wrote its models, ran its rounds, then failed to
		// create the trace or profile (--server: no server is started).
		{[]string{"bench", "serve", "--dir", dir, "--server", missing, "--words", "10", "--dim", "2", "--trace", missing}, "--trace"},
		{[]string{"bench", "serve", "--dir", dir, "--server", missing, "--words", "10", "--dim", "2", "--profile", dir}, "--profile"},
	} {
		_, err := runCLIIn(t, "", c.args...)
		if !errors.As(err, new(cli.UsageError)) || !strings.Contains(err.Error(), c.flag) {
			t.Errorf("%s: %v; want a usage error naming %s", strings.Join(c.args, " "), err, c.flag)
		}
	}
}

// TestNonPositiveCounts: a count given as zero or less is refused by name
// instead of meaning "all" or the default silently (translate eval
// --batch -1 ran with 256, --limit -1 and vectors convert --limit -3
// kept everything, vectors similar --top 0 printed nothing).
func TestNonPositiveCounts(t *testing.T) {
	out := filepath.Join(t.TempDir(), "v.txt")
	for _, c := range []struct {
		args []string
		flag string
	}{
		{[]string{"translate", "eval", "--model", "m", "--data", "d", "--batch", "-1"}, "--batch"},
		{[]string{"translate", "eval", "--model", "m", "--data", "d", "--limit", "-1"}, "--limit"},
		// lm score and lm eval failed only once the model was loaded and
		// lines read, with the library's words ("lm: score: batch 0").
		{[]string{"lm", "score", "--model", "m", "--batch", "0"}, "--batch"},
		{[]string{"serve", "--model", "a=m", "--max-length", "0"}, "--max-length"},
		{[]string{"serve", "--model", "a=m", "--max-text-len", "-1"}, "--max-text-len"},
		{[]string{"serve", "--model", "a=m", "--queue", "0"}, "--queue"},
		{[]string{"translate", "run", "--model", "m", "--text", "x", "--beam", "0"}, "--beam"},
		{[]string{"translate", "eval", "--model", "m", "--data", "d", "--beam", "-1"}, "--beam"},
		{[]string{"lm", "eval", "--model", "m", "--batch", "-2"}, "--batch"},
		{[]string{"lm", "eval", "--model", "m", "--bptt", "0"}, "--bptt"},
		// lm sample --label took --rerank 0 and -5 as 1, silently.
		{[]string{"lm", "sample", "--model", "m", "--label", "x", "--rerank", "0"}, "--rerank"},
		{[]string{"vectors", "convert", "--vectors", tinyVectors, "--out", out, "--limit", "-3"}, "--limit"},
		{[]string{"vectors", "similar", "--vectors", tinyVectors, "man", "--top", "0"}, "--top"},
		{[]string{"vectors", "analogy", "--vectors", tinyVectors, "man", "woman", "king", "-k", "-1"}, "--top"},
		// vectors train took an explicit 0 for its default (--dim 0 wrote
		// 100-dimensional vectors).
		{[]string{"vectors", "train", "--corpus", tinyVectors, "--out", out, "--dim", "0"}, "--dim"},
		{[]string{"vectors", "train", "--corpus", tinyVectors, "--out", out, "--window", "0"}, "--window"},
		{[]string{"vectors", "train", "--corpus", tinyVectors, "--out", out, "--epochs", "0"}, "--epochs"},
		{[]string{"vectors", "train", "--corpus", tinyVectors, "--out", out, "--min-count", "0"}, "--min-count"},
		{[]string{"vectors", "train", "--corpus", tinyVectors, "--out", out, "--alpha", "0"}, "--alpha"},
		{[]string{"vectors", "train", "--corpus", tinyVectors, "--out", out, "--method", "glove", "--x-max", "0"}, "--x-max"},
		{[]string{"vectors", "train", "--corpus", tinyVectors, "--out", out, "--method", "glove", "--memory", "0"}, "--memory"},
	} {
		_, err := runCLIIn(t, "", c.args...)
		if err == nil || !strings.Contains(err.Error(), c.flag+" ") {
			t.Errorf("%s: %v; want an error naming %s", strings.Join(c.args, " "), err, c.flag)
		} else if !errors.As(err, new(cli.UsageError)) {
			t.Errorf("%s: %v is not a usage error (exit status 2)", strings.Join(c.args, " "), err)
		}
	}
}

// TestCheckpointOutKeepsOtherFiles: lm quantize and lm import replace
// their --out as a whole, which is right for a checkpoint there but
// deleted a directory of anything else (--out . or a project directory:
// its files were gone). Such an --out is refused before any work, naming it.
func TestCheckpointOutKeepsOtherFiles(t *testing.T) {
	dir := t.TempDir()
	notes := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notes, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"lm", "quantize", "--model", "m", "--out", dir},
		{"lm", "import", "--state-dict", "s.pt", "--vocab", "v.txt", "--out", dir},
	} {
		_, err := runCLIIn(t, "", args...)
		if !errors.As(err, new(cli.UsageError)) || !strings.Contains(err.Error(), dir) {
			t.Errorf("%s: %v; want a usage error naming %s", strings.Join(args, " "), err, dir)
		}
		if _, serr := os.Stat(notes); serr != nil {
			t.Fatalf("%s: %v", strings.Join(args, " "), serr)
		}
	}
}

// An --out of "." (or "..") to replace is refused before any work, even
// when it holds a checkpoint: checkpoint.Save cannot rename the current
// directory (lm quantize --out . in a checkpoint directory quantized the
// model, then failed: "rename . ..old: device or resource busy").
func TestCheckpointOutDot(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := os.WriteFile(checkpoint.ConfigFile, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"lm", "quantize", "--model", "m", "--out", "."},
		{"lm", "import", "--state-dict", "s.pt", "--vocab", "v.txt", "--out", "."},
	} {
		_, err := runCLIIn(t, "", args...)
		if !errors.As(err, new(cli.UsageError)) || !strings.Contains(err.Error(), "name the directory") {
			t.Errorf("%s: %v; want a usage error asking for a directory name", strings.Join(args, " "), err)
		}
	}
}

// TestWrongModelKind: a model of another kind given to --model is named
// as what it is (a classifier given to lm score failed with
// "config.json: json: unknown field \"arch\"").
func TestWrongModelKind(t *testing.T) {
	p, err := infertest.Build(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"lm", "score", "--model", p.Classify, "--text", "a"}, "is a classifier (classify train), not a language model"},
		{[]string{"lm", "sample", "--model", p.Cond}, "is a conditional language model (lm train-labels), not a language model"},
		{[]string{"lm", "sample", "--model", p.LM, "--label", "positive"}, "is a language model (lm train, lm import), not a conditional"},
		{[]string{"lm", "eval", "--model", p.Tag}, "is a tagger (tag train), not a language model"},
		{[]string{"classify", "predict", "--model", p.Tag, "--text", "a"}, "is a tagger (tag train), not a classifier"},
		{[]string{"tag", "predict", "--model", p.Translate, "--text", "a"}, "is a translation model (translate train), not a tagger"},
		{[]string{"translate", "run", "--model", p.WordLM, "--text", "a"}, "is a language model (lm train, lm import), not a translation model"},
	} {
		_, _, err := runCLIErr(t, "", c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "--model") {
			t.Errorf("%s: %v, want an error saying the model %s", strings.Join(c.args[:2], " "), err, c.want)
		}
	}
	// --resume of another kind's checkpoint (it read "config.json: json:
	// unknown field").
	data := filepath.Join(p.LM, "config.json") // any readable file: the kind is checked first
	for _, c := range []struct{ cmd, out, want string }{
		{"classify train", p.LM, "is a language model (lm train, lm import), not a classifier"},
		{"lm train", p.Tag, "is a tagger (tag train), not a language model"},
		{"lm train-labels", p.LM, "is a language model (lm train, lm import), not a conditional language model"},
		{"tag train", p.Classify, "is a classifier (classify train), not a tagger"},
		{"translate train", p.Cond, "is a conditional language model (lm train-labels), not a translation model"},
	} {
		_, _, err := runCLIErr(t, "", append(strings.Fields(c.cmd), "--train", data, "--out", c.out, "--resume")...)
		if err == nil || !strings.Contains(err.Error(), c.out+" "+c.want) {
			t.Errorf("%s --resume: %v, want an error saying the checkpoint %s", c.cmd, err, c.want)
		}
	}
	if out, _, err := runCLIErr(t, "", "lm", "score", "--model", filepath.Join(p.LM, "model.safetensors"), "--text", "a"); err != nil || out == "" {
		t.Errorf("lm score --model DIR/model.safetensors: %q, %v", out, err)
	}
}
