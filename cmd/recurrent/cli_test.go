package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	imagepng "image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/tensor"
	"github.com/recurrent-go/recurrent/vectors"
	"github.com/spf13/cobra"
)

// TestThreadsPersistent: --threads is one root flag that every command
// accepts and that is validated once, before the command runs.
func TestThreadsPersistent(t *testing.T) {
	defer tensor.SetThreads(tensor.Threads())
	for _, args := range [][]string{
		{"vectors", "similarity", "--vectors", tinyVectors, "man", "woman"},
		{"vectors", "eval", "--vectors", tinyVectors, "--no-analogy"},
		{"tag", "score", "-"},
		{"tag", "score"},
	} {
		tensor.SetThreads(0)
		if _, err := runCLIIn(t, "a O O\n", append(args, "--threads", "1")...); err != nil {
			t.Fatalf("%v --threads 1: %v", args, err)
		}
		if got := tensor.Threads(); got != 1 {
			t.Errorf("%v --threads 1: tensor.Threads() = %d", args, got)
		}
		// 100000000: vectors train made that many workers and died out
		// of memory.
		for _, bad := range []string{"0", "-3", "x", "100000000"} {
			_, err := runCLIIn(t, "", append(args, "--threads", bad)...)
			if err == nil || !strings.Contains(err.Error(), "--threads") {
				t.Errorf("%v --threads %s: err = %v, want a --threads error", args, bad, err)
			}
		}
	}
	// No command registers a flag of its own named threads, apart from the
	// training commands that are moving to the shared loop.
	training := map[string]bool{"recurrent lm train": true, "recurrent lm train-labels": true,
		"recurrent classify train": true, "recurrent tag train": true, "recurrent translate train": true}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.LocalNonPersistentFlags().Lookup("threads") != nil && !training[c.CommandPath()] {
			t.Errorf("%s registers its own --threads", c.CommandPath())
		}
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(rootCmd)
}

// runCLIErr is runCLIIn that also returns standard error.
func runCLIErr(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	resetFlags(rootCmd)
	var out, errOut bytes.Buffer
	rootCmd.SetOut(&out)
	rootCmd.SetErr(&errOut)
	rootCmd.SetIn(strings.NewReader(stdin))
	rootCmd.SetArgs(args)
	err = rootCmd.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

// TestVectorsStdio: "-" is standard input for --vectors and standard
// output for --out, whose report then goes to standard error.
func TestVectorsStdio(t *testing.T) {
	tiny, err := os.ReadFile(tinyVectors)
	if err != nil {
		t.Fatal(err)
	}
	fromFile, err := runCLIIn(t, "", "vectors", "similarity", "--vectors", tinyVectors, "man", "king")
	if err != nil {
		t.Fatal(err)
	}
	fromStdin, err := runCLIIn(t, string(tiny), "vectors", "similarity", "--vectors", "-", "man", "king")
	if err != nil || fromStdin != fromFile {
		t.Fatalf("--vectors -: %q, %v; from the file %q", fromStdin, err, fromFile)
	}
	out, report, err := runCLIErr(t, string(tiny), "vectors", "convert", "--vectors", "-", "--out", "-", "--out-format", "glove", "--limit", "5", "--json")
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 5 || !strings.HasPrefix(lines[1], "man 1 0 0 1") {
		t.Errorf("convert to standard output wrote %q, want 5 GloVe lines", out)
	}
	var rep struct {
		Out, Format string
		Words, Dim  int
	}
	if err := json.Unmarshal([]byte(report), &rep); err != nil || rep.Words != 5 || rep.Dim != 12 || rep.Format != "glove" {
		t.Errorf("convert report on standard error %q: %+v, %v", report, rep, err)
	}
	// Unknown files are named in the error.
	if _, err := runCLIIn(t, "", "vectors", "eval", "--vectors", tinyVectors, "--analogy", "nope.txt"); err == nil || !strings.Contains(err.Error(), "nope.txt") {
		t.Errorf("missing analogy file: %v", err)
	}
}

// TestVectorsJSON: every vectors query that produces a result has --json.
func TestVectorsJSON(t *testing.T) {
	var sim struct {
		Word1, Word2 string
		Similarity   float64
	}
	out, err := runCLIIn(t, "", "vectors", "similarity", "--vectors", tinyVectors, "man", "woman", "--json")
	if err != nil || json.Unmarshal([]byte(out), &sim) != nil || sim.Word1 != "man" || !(sim.Similarity > -1 && sim.Similarity < 1) {
		t.Errorf("similarity --json: %q, %v", out, err)
	}
	var odd struct {
		Word    string
		Ignored []string
	}
	out, err = runCLIIn(t, "", "vectors", "doesnt-match", "--vectors", tinyVectors, "man", "woman", "king", "paris", "zzz", "--json")
	if err != nil || json.Unmarshal([]byte(out), &odd) != nil || odd.Word != "paris" || !slices.Equal(odd.Ignored, []string{"zzz"}) {
		t.Errorf("doesnt-match --json: %q, %v", out, err)
	}
	png := filepath.Join(t.TempDir(), "w.png")
	var plot struct {
		Out   string
		Words []string
	}
	out, err = runCLIIn(t, "", "vectors", "plot", "--vectors", tinyVectors, "--out", png, "man", "woman", "king", "--json")
	if err != nil || json.Unmarshal([]byte(out), &plot) != nil || plot.Out != png || len(plot.Words) != 3 {
		t.Errorf("plot --json with positional words: %q, %v", out, err)
	}
	img, report, err := runCLIErr(t, "", "vectors", "plot", "--vectors", tinyVectors, "--out", "-", "man", "woman", "king")
	if _, derr := imagepng.Decode(strings.NewReader(img)); err != nil || derr != nil || !strings.Contains(report, "wrote - (3 words)") {
		t.Errorf("plot --out -: %v, %v, report %q", err, derr, report)
	}
}

// TestDeprecatedAliases: old flag spellings still work, are hidden, and
// print a note on standard error.
func TestDeprecatedAliases(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "x.txt")
	stdout, stderr, err := runCLIErr(t, "", "vectors", "convert", "--in", tinyVectors, "--from", "word2vec", "--out", out, "--to", "glove")
	if err != nil {
		t.Fatal(err)
	}
	for _, note := range []string{"--in is deprecated, use --vectors", "--from is deprecated, use --format", "--to is deprecated, use --out-format"} {
		if !strings.Contains(stderr, note) {
			t.Errorf("stderr %q lacks %q", stderr, note)
		}
	}
	if v, err := vectors.LoadFormat(out, vectors.GloVeText); err != nil || v.Len() != 18 || !strings.Contains(stdout, "glove") {
		t.Errorf("convert with old flags: %v, %q", err, stdout)
	}
	help, _ := runCLIIn(t, "", "vectors", "convert", "--help")
	if strings.Contains(help, "--to string") || strings.Contains(help, "--in string") || !strings.Contains(help, "--out-format string") {
		t.Errorf("help shows the old names or lacks the new:\n%s", help)
	}
	// The same flag name means the same thing everywhere: --format is the
	// format of the input vectors, --out-format the output's.
	for _, c := range [][]string{{"vectors", "similar"}, {"vectors", "convert"}, {"vectors", "debias"}, {"vectors", "eval"}} {
		cmd, _, _ := rootCmd.Find(c)
		if f := cmd.Flags().Lookup("format"); f == nil || !strings.Contains(f.Usage, "input") {
			t.Errorf("%v --format: %v", c, f)
		}
	}
	for _, c := range [][]string{{"vectors", "train"}, {"vectors", "convert"}, {"vectors", "debias"}, {"classify", "export-vectors"}} {
		if cmd, _, _ := rootCmd.Find(c); cmd.Flags().Lookup("out-format") == nil {
			t.Errorf("%v has no --out-format", c)
		}
	}
}

// TestVectorsTrainProgress: vectors train reports progress on standard
// error (never standard output), and --quiet silences it.
func TestVectorsTrainProgress(t *testing.T) {
	dir := t.TempDir()
	corpus := filepath.Join(dir, "c.txt")
	os.WriteFile(corpus, []byte(strings.Repeat("a b c d e f g h\n", 200)), 0o644)
	args := []string{"vectors", "train", "--corpus", corpus, "--out", filepath.Join(dir, "v.txt"), "--dim", "4", "--min-count", "1", "--epochs", "1", "--threads", "1"}
	stdout, stderr, err := runCLIErr(t, "", args...)
	if err != nil {
		t.Fatal(err)
	}
	// Off a terminal a stage's first event is logged: "train 0/1600" when
	// word2vec reports the start of training (else the first tick).
	if !strings.Contains(stderr, "/1600  epoch 1/1") || strings.Contains(stdout, "epoch") {
		t.Errorf("progress: stdout %q, stderr %q", stdout, stderr)
	}
	stdout, stderr, err = runCLIErr(t, "", append(args, "--quiet")...)
	if err != nil || stderr != "" || !strings.Contains(stdout, "skipgram") {
		t.Errorf("--quiet: stdout %q, stderr %q, %v", stdout, stderr, err)
	}
}

// TestTagPredictRawText: tag predict tags raw text from --text, --file or
// standard input, accepts a one-column CoNLL file, and --json gives tokens,
// tags and entity spans.
func TestTagPredictRawText(t *testing.T) {
	dir := t.TempDir()
	train, model := filepath.Join(dir, "train.conll"), filepath.Join(dir, "model")
	writeCapsCoNLL(t, train, 200, 1)
	if _, err := runCLIIn(t, "", "tag", "train", "--train", train, "--dev", train, "--out", model,
		"--word-embed", "8", "--char-embed", "8", "--char-hidden", "10", "--hidden", "12", "--epochs", "6",
		"--lr", "0.01", "--batch", "8", "--quiet", "--threads", "1"); err != nil {
		t.Fatal(err)
	}
	line := "the Brumwick went to Oslaren and Kettova said the"
	out, err := runCLIIn(t, "", "tag", "predict", "--model", model, "--text", "the Kettova's, went (to) U.S.", "--text", line, "--json")
	if err != nil {
		t.Fatal(err)
	}
	type tagged struct {
		Tokens, Tags []string
		Entities     []struct {
			Type       string
			Start, End int
			Text       string
		}
	}
	var punct, got tagged
	dec := json.NewDecoder(strings.NewReader(out))
	if err := dec.Decode(&punct); err != nil {
		t.Fatalf("%q: %v", out, err)
	}
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("%q: %v", out, err)
	}
	if want := []string{"the", "Kettova", "'s", ",", "went", "(", "to", ")", "U.S."}; !slices.Equal(punct.Tokens, want) || len(punct.Tags) != len(want) {
		t.Errorf("tokens %q tags %q, want tokens %q", punct.Tokens, punct.Tags, want)
	}
	if !slices.Equal(got.Tokens, strings.Fields(line)) || len(got.Tags) != len(got.Tokens) {
		t.Fatalf("tokens %q tags %q", got.Tokens, got.Tags)
	}
	var ents []string
	for _, e := range got.Entities {
		ents = append(ents, fmt.Sprintf("%s %d-%d %s", e.Type, e.Start, e.End, e.Text))
	}
	if want := []string{"LOC 1-2 Brumwick", "LOC 4-5 Oslaren", "LOC 6-7 Kettova"}; !slices.Equal(ents, want) {
		t.Errorf("entities %q, want %q (tags %q)", ents, want, got.Tags)
	}
	// The same text from standard input and from --file gives CoNLL rows.
	fromStdin, err := runCLIIn(t, line+"\n", "tag", "predict", "--model", model)
	if err != nil {
		t.Fatal(err)
	}
	// A blank line is an empty sentence: a bare blank line in the rows, an
	// object without tokens in JSON, so that the n-th sentence out is the
	// n-th line in.
	file := filepath.Join(dir, "raw.txt")
	os.WriteFile(file, []byte("\n"+line+"\n"), 0o644)
	fromFile, err := runCLIIn(t, "", "tag", "predict", "--model", model, "--file", file)
	if err != nil || fromFile != "\n"+fromStdin || !strings.HasPrefix(fromStdin, "the O\nBrumwick I-LOC\n") {
		t.Errorf("stdin %q, --file %q, %v", fromStdin, fromFile, err)
	}
	if js, err := runCLIIn(t, "", "tag", "predict", "--model", model, "--file", file, "--json"); err != nil ||
		!strings.HasPrefix(js, `{"tokens":[],"tags":[],"entities":[]}`+"\n{") || strings.Count(js, "\n") != 2 {
		t.Errorf("--json with a blank line: %q, %v", js, err)
	}
	// File arguments, like --file (repeatable): the files' sentences in order.
	twice, err := runCLIIn(t, "", "tag", "predict", "--model", model, file, "--file", file)
	if err != nil || twice != fromFile+fromFile {
		t.Errorf("a file argument and --file: %q, %v; want the one file's output twice", twice, err)
	}
	if _, err := runCLIIn(t, "", "tag", "predict", "--model", model, "--data", file, file); err == nil || !strings.Contains(err.Error(), "--data and file arguments") {
		t.Errorf("--data with a file argument: %v, want a usage error", err)
	}
	// One-column CoNLL (bare tokens) from standard input.
	conll := strings.Join(strings.Fields(line), "\n") + "\n"
	rows, err := runCLIIn(t, conll, "tag", "predict", "--model", model, "--data", "-")
	if err != nil || rows != fromStdin {
		t.Errorf("one-column CoNLL: %q, %v; want %q", rows, err, fromStdin)
	}
}

// trainCharLM trains a small character model on made-up names, one per
// line, and returns its checkpoint directory and training file.
func trainCharLM(t *testing.T, extra ...string) (ck, train string) {
	t.Helper()
	dir := t.TempDir()
	train, ck = filepath.Join(dir, "names.txt"), filepath.Join(dir, "ck")
	var b strings.Builder
	for i := range 300 {
		fmt.Fprintf(&b, "%ssaurus\n", []string{"tyranno", "stego", "bronto", "veloci", "diplo"}[i%5])
	}
	os.WriteFile(train, []byte(b.String()), 0o644)
	if _, err := runCLIIn(t, "", append([]string{"lm", "train", "--train", train, "--out", ck, "--level", "char", "--embed", "8", "--hidden", "16",
		"--layers", "1", "--batch", "4", "--bptt", "16", "--epochs", "2", "--quiet", "--threads", "1"}, extra...)...); err != nil {
		t.Fatal(err)
	}
	return ck, train
}

// TestLMSampleLines: with --stop-at-eos lm sample prints one sample per
// line and no separators; the default comes from the model's config
// ("lines" for line-structured text) and --help says so.
func TestLMSampleLines(t *testing.T) {
	ck, _ := trainCharLM(t)
	args := []string{"lm", "sample", "--model", ck, "--num", "4", "--length", "40", "--temperature", "0.5"}
	running, err := runCLIIn(t, "", args...)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(running, "----\n"); n != 3 {
		t.Errorf("running-text model: %d separators in %q, want 3", n, running)
	}
	lines, err := runCLIIn(t, "", append(args, "--stop-at-eos")...)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(lines, "\n"), "\n")
	if len(got) != 4 || strings.Contains(lines, "----") {
		t.Fatalf("--stop-at-eos: %q, want 4 lines", lines)
	}
	// A model trained with --lines records it ("lines" in config.json) and
	// stops at the end of a line by default.
	ckLines, _ := trainCharLM(t, "--lines")
	b, err := os.ReadFile(filepath.Join(ckLines, "config.json"))
	if err != nil || !strings.Contains(string(b), `"lines": true`) {
		t.Errorf("config.json of an lm train --lines model: %s, %v", b, err)
	}
	args[3] = ckLines
	byDefault, err := runCLIIn(t, "", args...)
	if err != nil || strings.Contains(byDefault, "----") || strings.Count(byDefault, "\n") != 4 {
		t.Errorf("lines model by default: %q, %v, want 4 lines", byDefault, err)
	}
	help, _ := runCLIIn(t, "", "lm", "sample", "--help")
	if !strings.Contains(help, "line-structured text") || !strings.Contains(help, "one per line") {
		t.Errorf("--help does not state the --stop-at-eos default:\n%s", help)
	}
	// Old spellings still work.
	if out, err := runCLIIn(t, "", "lm", "sample", "--model", ck, "--n", "2", "--prime", "st", "--length", "5"); err != nil || !strings.HasPrefix(out, "st") {
		t.Errorf("--n/--prime: %q, %v", out, err)
	}
}

// TestLMStdin: lm eval and lm score read standard input with no file or
// "-", with the same result as from the file.
func TestLMStdin(t *testing.T) {
	ck, train := trainCharLM(t)
	data, _ := os.ReadFile(train)
	fromFile, err := runCLIIn(t, "", "lm", "eval", "--model", ck, train, "--json")
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"lm", "eval", "--model", ck, "--json"}, {"lm", "eval", "--model", ck, "-", "--json"}} {
		if out, err := runCLIIn(t, string(data), args...); err != nil || out != fromFile {
			t.Errorf("%v: %q, %v; from the file %q", args, out, err, fromFile)
		}
	}
	fromFile, err = runCLIIn(t, "", "lm", "score", "--model", ck, "--file", train, "--json")
	if err != nil {
		t.Fatal(err)
	}
	if out, err := runCLIIn(t, string(data), "lm", "score", "--model", ck, "-", "--json"); err != nil || out != fromFile {
		t.Errorf("lm score -: %.200q, %v", out, err)
	}
}

// TestTranslateStdio: translate eval reads --data - and writes --hyp -
// (the metrics then go to standard error); bleu reads "-"; gen-dates has
// --json.
func TestTranslateStdio(t *testing.T) {
	dir := t.TempDir()
	out, err := runCLIIn(t, "", "translate", "gen-dates", "--n", "300", "--seed", "2", "--out", dir, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var gen struct{ Files []string }
	if err := json.Unmarshal([]byte(out), &gen); err != nil || len(gen.Files) != 3 {
		t.Fatalf("gen-dates --json: %q, %v", out, err)
	}
	ck := filepath.Join(dir, "ck")
	if _, err := runCLIIn(t, "", "translate", "train", "--train", gen.Files[0], "--dev", gen.Files[1], "--out", ck,
		"--embed", "8", "--hidden", "16", "--batch", "32", "--epochs", "1", "--quiet", "--json"); err != nil {
		t.Fatal(err)
	}
	test, _ := os.ReadFile(gen.Files[2])
	fromFile, err := runCLIIn(t, "", "translate", "eval", "--model", ck, "--data", gen.Files[2], "--json", "--quiet")
	if err != nil {
		t.Fatal(err)
	}
	hyps, metrics, err := runCLIErr(t, string(test), "translate", "eval", "--model", ck, "--data", "-", "--hyp", "-", "--json", "--quiet")
	if err != nil {
		t.Fatal(err)
	}
	var a, b map[string]any
	json.Unmarshal([]byte(fromFile), &a)
	if err := json.Unmarshal([]byte(metrics), &b); err != nil || a["bleu"] == nil || a["bleu"] != b["bleu"] || a["n"] != b["n"] {
		t.Errorf("metrics on standard error %q (%v), from the file %q", metrics, err, fromFile)
	}
	nPairs := strings.Count(strings.TrimSpace(string(test)), "\n") + 1
	if n := strings.Count(hyps, "\n"); n != nPairs {
		t.Errorf("--hyp - wrote %d lines, want %d", n, nPairs)
	}
	// translate run reads --file (old name --input) or standard input.
	srcs := filepath.Join(dir, "src.txt")
	os.WriteFile(srcs, []byte("July 4th 1976\n12/01/2001\n"), 0o644)
	fromStdin, err := runCLIIn(t, "July 4th 1976\n12/01/2001\n", "translate", "run", "--model", ck)
	if err != nil || strings.Count(fromStdin, "\n") != 2 {
		t.Fatalf("run from standard input: %q, %v", fromStdin, err)
	}
	for _, flag := range []string{"--file", "--input"} {
		if out, err := runCLIIn(t, "", "translate", "run", "--model", ck, flag, srcs); err != nil || out != fromStdin {
			t.Errorf("run %s: %q, %v", flag, out, err)
		}
	}
	// Source files as arguments too, read in order.
	if out, err := runCLIIn(t, "", "translate", "run", "--model", ck, srcs, "--file", srcs); err != nil || out != fromStdin+fromStdin {
		t.Errorf("run with a file argument and --file: %q, %v", out, err)
	}
	hypFile := filepath.Join(dir, "hyp.txt")
	os.WriteFile(hypFile, []byte(hyps), 0o644)
	var refs strings.Builder
	for l := range strings.Lines(string(test)) {
		_, tgt, _ := strings.Cut(l, "\t")
		refs.WriteString(tgt)
	}
	bleu, err := runCLIIn(t, refs.String(), "translate", "bleu", "--ref", "-", "--hyp", hypFile, "--json")
	var bl struct{ BLEU float64 }
	if err != nil || json.Unmarshal([]byte(bleu), &bl) != nil || !(bl.BLEU >= 0) {
		t.Errorf("bleu --ref -: %q, %v", bleu, err)
	}
}

// TestClassifyStdio: classify predict takes --text, --file or standard
// input; eval, score and stats read "-"; score's --gold is a deprecated
// alias of --data.
func TestClassifyStdio(t *testing.T) {
	dir := t.TempDir()
	train, model := filepath.Join(dir, "train.tsv"), filepath.Join(dir, "model")
	writePlantedTSV(t, train, 240, 1)
	if _, err := runCLIIn(t, "", "classify", "train", "--train", train, "--dev", train, "--out", model,
		"--embed", "8", "--hidden", "8", "--epochs", "4", "--lr", "0.01", "--batch", "16", "--quiet", "--threads", "1"); err != nil {
		t.Fatal(err)
	}
	texts := "w1 great w2\nw3 awful\n"
	fromStdin, err := runCLIIn(t, texts, "classify", "predict", "--model", model)
	if err != nil {
		t.Fatal(err)
	}
	fromText, err := runCLIIn(t, "", "classify", "predict", "--model", model, "--text", "w1 great w2", "--text", "w3 awful")
	if err != nil || fromText != fromStdin || !strings.HasPrefix(fromStdin, "pos\t") {
		t.Errorf("--text %q, stdin %q, %v", fromText, fromStdin, err)
	}
	// Blank lines (first, white space only, last) give blank output lines:
	// `paste input.txt preds.txt` lines up.
	aligned, err := runCLIIn(t, "\nw1 great w2\n \t\nw3 awful\n\n", "classify", "predict", "--model", model)
	if p := strings.SplitAfter(fromStdin, "\n"); err != nil || aligned != "\n"+p[0]+"\n"+p[1]+"\n" {
		t.Errorf("predict with blank lines: %q, %v; want blank lines around %q", aligned, err, fromStdin)
	}
	data, _ := os.ReadFile(train)
	fromFile, err := runCLIIn(t, "", "classify", "eval", "--model", model, "--data", train, "--json")
	if err != nil {
		t.Fatal(err)
	}
	if out, err := runCLIIn(t, string(data), "classify", "eval", "--model", model, "--data", "-", "--json"); err != nil || out != fromFile {
		t.Errorf("eval --data -: %.100q, %v", out, err)
	}
	for _, args := range [][]string{{"classify", "stats", "-"}, {"classify", "stats"}} {
		if out, err := runCLIIn(t, string(data), args...); err != nil || !strings.Contains(out, "<stdin>: format tsv, 240 examples") {
			t.Errorf("%v: %q, %v", args, out, err)
		}
	}
	var labels strings.Builder
	for l := range strings.Lines(string(data)) {
		lab, _, _ := strings.Cut(l, "\t")
		labels.WriteString(lab + "\n")
	}
	_, stderr, err := runCLIErr(t, labels.String(), "classify", "score", "--gold", train, "--pred", "-", "--json")
	if err != nil || !strings.Contains(stderr, "--gold is deprecated, use --data") {
		t.Errorf("score --gold: %v, stderr %q", err, stderr)
	}
	vecs, report, err := runCLIErr(t, "", "classify", "export-vectors", "--model", model, "--out", "-", "--out-format", "glove", "--json")
	var rep struct {
		Words, Dim int
		Format     string
	}
	if err != nil || json.Unmarshal([]byte(report), &rep) != nil || rep.Dim != 8 || rep.Format != "glove" ||
		strings.Count(vecs, "\n") != rep.Words || len(strings.Fields(strings.SplitN(vecs, "\n", 2)[0])) != 9 {
		t.Errorf("export-vectors --out -: %v, report %q, vectors %.80q", err, report, vecs)
	}
}
