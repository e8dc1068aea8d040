package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/vectors"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// runCLIIn runs the root command with args and stdin and returns its
// standard output.
func runCLIIn(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	out, _, err := runCLIErr(t, stdin, args...)
	return out, err
}

// runJSON runs the root command with args, which must succeed, decodes its
// standard output as JSON into v and returns it.
func runJSON(t *testing.T, v any, args ...string) string {
	t.Helper()
	out, err := runCLIIn(t, "", args...)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("%s: JSON: %v\n%s", strings.Join(args[:2], " "), err, out)
	}
	return out
}

// resetFlags puts every flag of c and its subcommands back to its default,
// so that a test's flags do not leak into the next command run in the same
// process (cobra keeps flag values between Execute calls).
func resetFlags(c *cobra.Command) {
	reset := func(f *pflag.Flag) {
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			sv.Replace(nil)
		} else {
			f.Value.Set(f.DefValue)
		}
		f.Changed = false
	}
	c.Flags().VisitAll(reset)
	c.PersistentFlags().VisitAll(reset)
	for _, sub := range c.Commands() {
		resetFlags(sub)
	}
}

// writePlantedTSV writes n "label<TAB>text" lines whose label is decided by
// a planted word.
func writePlantedTSV(t *testing.T, path string, n int, seed uint64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	writeLines(t, path, n, func(int) string {
		words := make([]string, 3+rng.IntN(6))
		for j := range words {
			words[j] = fmt.Sprintf("w%d", rng.IntN(30))
		}
		label := []string{"neg", "pos", "meh"}[rng.IntN(3)]
		words[rng.IntN(len(words))] = map[string]string{"neg": "awful", "pos": "great", "meh": "fine"}[label]
		return label + "\t" + strings.Join(words, " ")
	})
}

func TestClassifyTrainEvalPredictCLI(t *testing.T) {
	dir := t.TempDir()
	train, dev, model := filepath.Join(dir, "train.tsv"), filepath.Join(dir, "dev.tsv"), filepath.Join(dir, "model")
	writePlantedTSV(t, train, 240, 1)
	writePlantedTSV(t, dev, 60, 2)
	var sum struct {
		Best *struct{ Accuracy float64 } `json:"best_dev"`
		Test *struct{ Accuracy float64 } `json:"test"`
	}
	out := runJSON(t, &sum, "classify", "train", "--train", train, "--dev", dev, "--test", dev, "--out", model,
		"--embed", "16", "--hidden", "16", "--bidirectional", "--pool", "max", "--epochs", "6", "--lr", "0.01",
		"--dropout", "0.1", "--batch", "16", "--json", "--quiet")
	if sum.Best == nil || sum.Test == nil || sum.Test.Accuracy < 0.9 || sum.Test.Accuracy != sum.Best.Accuracy {
		t.Fatalf("train summary %s", out)
	}

	var rep struct {
		Accuracy  float64
		Confusion [][]int
		PerClass  []struct{ Label string } `json:"per_class"`
	}
	out = runJSON(t, &rep, "classify", "eval", "--model", model, "--data", dev, "--json")
	if rep.Accuracy != sum.Test.Accuracy || len(rep.Confusion) != 3 || len(rep.PerClass) != 3 {
		t.Fatalf("eval report %s", out)
	}

	out, err := runCLIIn(t, "w1 great w2\n\nw3 awful\n", "classify", "predict", "--model", model, "--json")
	if err != nil {
		t.Fatal(err)
	}
	// One object per input line: the blank line's has no label, so that
	// the output stays aligned with the input.
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("predict printed %d lines for 3: %q", len(lines), out)
	}
	for i, want := range []string{"pos", "", "neg"} {
		var p struct {
			Label string
			Probs map[string]float64 `json:"probabilities"`
			Text  *string
		}
		if err := json.Unmarshal([]byte(lines[i]), &p); err != nil {
			t.Fatal(err)
		}
		s := p.Probs["pos"] + p.Probs["neg"] + p.Probs["meh"]
		if p.Label != want || p.Text == nil || (want != "" && (s < 0.999 || s > 1.001)) || (want == "" && (p.Probs == nil || len(p.Probs) != 0 || *p.Text != "")) {
			t.Errorf("line %d: %s", i, lines[i])
		}
	}
	// Plain output: label, TAB, probabilities.
	out, err = runCLIIn(t, "w5 fine\n", "classify", "predict", "--model", model, "--json=false")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "meh\t") || !strings.Contains(out, "pos=") {
		t.Errorf("plain predict output %q", out)
	}
	// Files as arguments and --file (repeatable), read in order after --text.
	textFile := filepath.Join(t.TempDir(), "texts.txt")
	os.WriteFile(textFile, []byte("w5 fine\n"), 0o644)
	if got, err := runCLIIn(t, "", "classify", "predict", "--model", model, "--json=false", textFile, "--file", textFile, "--text", "w5 fine"); err != nil || got != out+out+out {
		t.Errorf("predict --text, a file argument and --file: %q, %v; want %q three times", got, err, out)
	}
	if _, err := runCLIIn(t, "", "classify", "predict", "--model", model, "-", "--file", "-"); err == nil || !strings.Contains(err.Error(), "standard input") {
		t.Errorf("standard input named twice: %v, want a usage error", err)
	}

	// A malformed data file names the file and line.
	badPath := filepath.Join(dir, "bad.tsv")
	if err := os.WriteFile(badPath, []byte("pos\tw1 great\nneg\t\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = runCLIIn(t, "", "classify", "eval", "--model", model, "--data", badPath, "--format", "tsv", "--json")
	if err == nil || !strings.Contains(err.Error(), "bad.tsv:2") {
		t.Errorf("malformed file: error %v", err)
	}
}

// writeCapsCoNLL writes sentences of lower-case words in which capitalised
// made-up names are entities (IOB1 tags, as CoNLL-2003).
func writeCapsCoNLL(t *testing.T, path string, n int, seed uint64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 2))
	fillers := []string{"the", "went", "to", "saw", "and", "of", "in", "said"}
	var b strings.Builder
	b.WriteString("-DOCSTART- -X- O\n\n")
	for range n {
		for k := 0; k < 4+rng.IntN(6); k++ {
			if rng.IntN(4) == 0 {
				for range 1 + rng.IntN(2) {
					name := []byte{byte('A' + rng.IntN(26))}
					for range 3 + rng.IntN(4) {
						name = append(name, byte('a'+rng.IntN(26)))
					}
					fmt.Fprintf(&b, "%s NNP I-LOC\n", name)
				}
				continue
			}
			fmt.Fprintf(&b, "%s XX O\n", fillers[rng.IntN(len(fillers))])
		}
		b.WriteString("\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestTagTrainEvalPredictCLI(t *testing.T) {
	dir := t.TempDir()
	train, dev, model := filepath.Join(dir, "train.conll"), filepath.Join(dir, "dev.conll"), filepath.Join(dir, "model")
	writeCapsCoNLL(t, train, 200, 1)
	writeCapsCoNLL(t, dev, 60, 2)
	var sum struct {
		Test *struct {
			F1, Accuracy float64
			Tokens       int
		} `json:"test"`
	}
	out := runJSON(t, &sum, "tag", "train", "--train", train, "--dev", dev, "--test", dev, "--out", model,
		"--word-embed", "8", "--char-embed", "8", "--char-hidden", "10", "--hidden", "12", "--epochs", "6",
		"--lr", "0.01", "--dropout", "0.1", "--batch", "8", "--json", "--quiet")
	if sum.Test == nil || sum.Test.F1 < 90 {
		t.Fatalf("train summary %s", out)
	}
	var ev struct {
		F1, Accuracy float64
		Tokens       int
		PerType      map[string]struct{ F1 float64 } `json:"per_type"`
	}
	out = runJSON(t, &ev, "tag", "eval", "--model", model, "--data", dev, "--json")
	// Training's test figures are eval's, -DOCSTART- rows counted alike.
	if ev.F1 != sum.Test.F1 || ev.Accuracy != sum.Test.Accuracy || ev.Tokens != sum.Test.Tokens || len(ev.PerType) != 1 {
		t.Fatalf("eval %s", out)
	}
	predPath := filepath.Join(dir, "pred.txt")
	if _, err := runCLIIn(t, "", "tag", "predict", "--model", model, "--data", dev, "--out", predPath); err != nil {
		t.Fatal(err)
	}
	// conlleval counts the -DOCSTART- row of predict's output as a token:
	// eval does too, so that its accuracy is conlleval's.
	var sc struct {
		F1, Accuracy float64
		Tokens       int
	}
	runJSON(t, &sc, "tag", "score", predPath, "--json")
	if sc.F1 != ev.F1 || sc.Accuracy != ev.Accuracy || sc.Tokens != ev.Tokens {
		t.Errorf("scoring predict's output gives %+v, eval F1 %.2f, accuracy %.4f, %d tokens", sc, ev.F1, ev.Accuracy, ev.Tokens)
	}
	b, err := os.ReadFile(predPath)
	if err != nil {
		t.Fatal(err)
	}
	if first := strings.SplitN(string(b), "\n", 2)[0]; first != "-DOCSTART- -X- O O" {
		t.Errorf("first output row %q: the -DOCSTART- row should pass through with an O prediction", first)
	}
}

// TestClassifyTrainVectorsCLI trains with a vector file, --backoff and the
// embedding options, and checks the summary and the stored configuration.
func TestClassifyTrainVectorsCLI(t *testing.T) {
	dir := t.TempDir()
	train, vec, model := filepath.Join(dir, "train.tsv"), filepath.Join(dir, "v.txt"), filepath.Join(dir, "model")
	writePlantedTSV(t, train, 120, 3)
	f, err := os.OpenFile(train, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, "pos\tw1 great-looking w2\nneg\tw3 awful\\/dull\n")
	f.Close()
	var b strings.Builder
	fmt.Fprintf(&b, "4 3\n")
	for i, w := range []string{"great", "awful", "looking", "w1"} {
		fmt.Fprintf(&b, "%s %d 0.5 -1\n", w, i)
	}
	if err := os.WriteFile(vec, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := runCLIIn(t, "", "classify", "train", "--train", train, "--dev", "", "--test", "", "--out", model, "--vectors", vec, "--backoff",
		"--hidden", "8", "--bidirectional", "--pool", "max", "--epochs", "2", "--embed-lr", "0.0005", "--word-dropout", "0.1",
		"--embed-dropout", "0.2", "--json", "--quiet")
	if err != nil {
		t.Fatal(err)
	}
	var sum struct {
		Composed int `json:"composed"`
		Coverage struct {
			Train     int      `json:"train_words_found"`
			TokenRate *float64 `json:"train_token_rate"`
		}
	}
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("train JSON: %v\n%s", err, out)
	}
	// great-looking and awful\/dull are composed; great, awful and w1 found.
	if sum.Composed != 2 || sum.Coverage.Train != 3 || sum.Coverage.TokenRate == nil || *sum.Coverage.TokenRate <= 0 || *sum.Coverage.TokenRate >= 1 {
		t.Fatalf("summary %s", out)
	}
	cfg, err := os.ReadFile(filepath.Join(model, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"embed_lr": 0.0005`, `"word_dropout": 0.1`, `"embed_dropout": 0.2`} {
		if !strings.Contains(string(cfg), want) {
			t.Errorf("config.json lacks %s:\n%s", want, cfg)
		}
	}
	exported := filepath.Join(dir, "exported.txt")
	if _, err := runCLIIn(t, "", "classify", "export-vectors", "--model", model, "--out", exported); err != nil {
		t.Fatal(err)
	}
	ev, err := vectors.Load(exported)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Dim != 3 || ev.Len() < 30 {
		t.Errorf("exported %d vectors of dim %d", ev.Len(), ev.Dim)
	}
}

func TestClassifyTrainInitFromCLI(t *testing.T) {
	dir := t.TempDir()
	train, src, dst := filepath.Join(dir, "train.tsv"), filepath.Join(dir, "src"), filepath.Join(dir, "dst")
	writePlantedTSV(t, train, 80, 1)
	common := []string{"--embed", "8", "--bidirectional", "--pool", "max", "--epochs", "1", "--batch", "16", "--json", "--quiet", "--dev", ""}
	if _, err := runCLIIn(t, "", append([]string{"classify", "train", "--train", train, "--out", src, "--hidden", "8"}, common...)...); err != nil {
		t.Fatal(err)
	}
	if _, err := runCLIIn(t, "", append([]string{"classify", "train", "--train", train, "--out", dst, "--hidden", "8", "--init-from", src}, common...)...); err != nil {
		t.Fatalf("--init-from a matching model: %v", err)
	}
	_, err := runCLIIn(t, "", append([]string{"classify", "train", "--train", train, "--out", filepath.Join(dir, "bad"), "--hidden", "6", "--init-from", src}, common...)...)
	if err == nil || !strings.Contains(err.Error(), "--init-from") || !strings.Contains(err.Error(), "hidden 8") {
		t.Fatalf("--init-from a model of another size: err = %v", err)
	}
	if _, err := runCLIIn(t, "", append([]string{"classify", "train", "--train", train, "--out", filepath.Join(dir, "bad2"), "--hidden", "8", "--init-from", filepath.Join(dir, "nope")}, common...)...); err == nil {
		t.Fatal("--init-from a missing directory: no error")
	}
}
