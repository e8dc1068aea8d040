//go:build linux

package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/recurrent-go/recurrent/internal/cli"
	"github.com/spf13/pflag"
)

// The command line as a Unix user drives it: results on standard output
// that fail to be written, standard input named "-", signals.

// fullWriter is standard output on a full disk (/dev/full): every write
// fails.
type fullWriter struct{}

func (fullWriter) Write([]byte) (int, error) { return 0, syscall.ENOSPC }

// runCLIFull runs the root command with args and stdin, its standard
// output failing every write, and returns the command's error.
func runCLIFull(t *testing.T, stdin string, args ...string) error {
	t.Helper()
	resetFlags(rootCmd)
	var errOut strings.Builder
	rootCmd.SetOut(fullWriter{})
	rootCmd.SetErr(&errOut)
	rootCmd.SetIn(strings.NewReader(stdin))
	rootCmd.SetArgs(args)
	return rootCmd.ExecuteContext(context.Background())
}

// TestStdoutWriteFails: a command whose results cannot be written (a full
// disk) fails, naming the error, even when the results are short enough
// to sit in a buffer until the end (lm score and translate run exited 0
// with `> /dev/full`: the buffer's flush error was dropped).
func TestStdoutWriteFails(t *testing.T) {
	ck, _ := trainCharLM(t)
	tr := trainDatesTranslator(t)
	for _, args := range [][]string{
		{"lm", "score", "--model", ck, "--text", "stegosaurus"},
		{"lm", "score", "--model", ck, "--text", "stegosaurus", "--json"},
		{"lm", "sample", "--model", ck, "--length", "5"},
		{"translate", "run", "--model", tr, "--file", "-"},
		{"translate", "run", "--model", tr, "--file", "-", "--json"},
		{"vectors", "similarity", "--vectors", tinyVectors, "man", "woman"},
	} {
		err := runCLIFull(t, "July 4th 1976\n", args...)
		if !errors.Is(err, syscall.ENOSPC) {
			t.Errorf("%s with standard output full: err = %v, want %v", strings.Join(args[:2], " "), err, syscall.ENOSPC)
		}
	}
}

// trainDatesTranslator trains a tiny translator for one epoch on 100
// generated dates and returns its checkpoint directory.
func trainDatesTranslator(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if _, err := runCLIIn(t, "", "translate", "gen-dates", "--n", "100", "--out", dir); err != nil {
		t.Fatal(err)
	}
	ck := filepath.Join(dir, "ck")
	if _, err := runCLIIn(t, "", "translate", "train", "--train", filepath.Join(dir, "train.tsv"), "--out", ck,
		"--embed", "4", "--hidden", "4", "--epochs", "1", "--quiet"); err != nil {
		t.Fatal(err)
	}
	return ck
}

// TestTrainStdin: every trainer reads its training data from standard
// input given "--train -", vectors vocab its corpus given "--corpus -",
// and --vocab - and --vectors - are read from standard input too
// (lm train, tag train, translate train and vectors vocab opened a file
// named "-": text.OpenFile did not know it).
func TestTrainStdin(t *testing.T) {
	dir := t.TempDir()
	data := func(write func(path string)) string {
		p := filepath.Join(dir, "data")
		write(p)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	tsv := data(func(p string) { writePlantedTSV(t, p, 60, 1) })
	conll := data(func(p string) { writeCapsCoNLL(t, p, 30, 1) })
	pairs := data(func(p string) {
		writeLines(t, p, 40, func(i int) string { return strings.Repeat("ab", 1+i%3) + "\tba" })
	})
	small := []string{"--epochs", "1", "--quiet", "--out", "ck", "--overwrite", "--train", "-"}
	for _, c := range []struct {
		stdin string
		args  []string
	}{
		{tsv, []string{"classify", "train", "--embed", "4", "--hidden", "4"}},
		{tsv, []string{"lm", "train-labels", "--embed", "4", "--hidden", "4"}},
		{conll, []string{"tag", "train", "--word-embed", "4", "--char-embed", "4", "--char-hidden", "4", "--hidden", "4"}},
		{pairs, []string{"translate", "train", "--embed", "4", "--hidden", "4"}},
		{tsv, []string{"lm", "train", "--embed", "4", "--hidden", "4", "--layers", "1", "--bptt", "8"}},
	} {
		if code, stderr := runBinaryIn(t, dir, c.stdin, append(c.args, small...)...); code != 0 {
			t.Errorf("%s --train -: exit %d, %s", strings.Join(c.args[:2], " "), code, stderr)
		}
	}
	if code, stderr := runBinaryIn(t, dir, pairs, "vectors", "vocab", "--corpus", "-", "--out", "vocab.json", "--min-count", "1"); code != 0 {
		t.Errorf("vectors vocab --corpus -: exit %d, %s", code, stderr)
	}
	writeCapsCoNLL(t, filepath.Join(dir, "tag.conll"), 30, 1)
	// --vocab - and --vectors -: the vocabulary and the vectors trainers
	// start from (they opened a file named "-").
	vec, err := os.ReadFile(tinyVectors)
	if err != nil {
		t.Fatal(err)
	}
	voc, err := os.ReadFile(filepath.Join(dir, "vocab.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		stdin string
		args  []string
	}{
		{string(vec), []string{"classify", "train", "--train", "data", "--vectors", "-", "--hidden", "4"}},
		{string(vec), []string{"tag", "train", "--train", "tag.conll", "--vectors", "-", "--char-hidden", "0", "--hidden", "4"}},
		{string(voc), []string{"vectors", "train", "--corpus", "data", "--vocab", "-", "--out", "v.txt", "--dim", "4"}},
		{string(voc), []string{"lm", "train", "--train", "data", "--vocab", "-", "--tokenizer", "whitespace", "--eos", "", "--hidden", "4", "--layers", "1", "--batch", "2", "--bptt", "4"}},
	} {
		var args []string
		if c.args[0] != "vectors" {
			args = []string{"--out", "ck", "--overwrite"}
		}
		if code, stderr := runBinaryIn(t, dir, c.stdin, append(append(c.args, args...), "--epochs", "1", "--quiet")...); code != 0 {
			t.Errorf("%s: exit %d, %s", strings.Join(c.args, " "), code, stderr)
		}
	}
	// Errors name standard input as the readers of "-" files do.
	code, stderr := runBinaryIn(t, dir, "no tab\n", "translate", "train", "--train", "-", "--out", "ck2")
	if code != 1 || !strings.Contains(stderr, "<stdin>:1:") {
		t.Errorf("translate train --train - on a line without a TAB: exit %d, %s", code, stderr)
	}
}

// TestVectorsVocabStdout: vectors vocab --out - writes the vocabulary to
// standard output and its report to standard error, as every --out - does
// (it wrote a file named "-" and the report to standard output).
func TestVectorsVocabStdout(t *testing.T) {
	dir := t.TempDir()
	corpus := writeLines(t, filepath.Join(dir, "c.txt"), 3, func(int) string { return "a b a" })
	t.Chdir(dir)
	out, report, err := runCLIErr(t, "", "vectors", "vocab", "--corpus", corpus, "--out", "-", "--min-count", "1")
	if err != nil {
		t.Fatal(err)
	}
	var v struct{ Tokens []string }
	if err := json.Unmarshal([]byte(out), &v); err != nil || len(v.Tokens) != 2 {
		t.Errorf("standard output %q (%v), want the vocabulary of a and b", out, err)
	}
	if report != "vocabulary 2 -> -\n" {
		t.Errorf("standard error %q, want the report", report)
	}
	if _, err := os.Stat("-"); err == nil {
		t.Error(`vectors vocab --out - wrote a file named "-"`)
	}
}

// TestOutputFileNotStdout: an output that has no place on standard output
// (the results are there, or it is a profile) refuses "-" as a usage error
// naming the flag, before any work (translate run --attention-json -
// wrote a file named "-").
func TestOutputFileNotStdout(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, args := range [][]string{
		{"translate", "run", "--model", "m", "--attention-json", "-"},
		{"translate", "run", "--model", "m", "--attention-png", "-"},
		{"bench", "serve", "--server", "/nonexistent/recurrent", "--trace", "-"},
		{"bench", "serve", "--server", "/nonexistent/recurrent", "--profile", "-"},
		{"bench", "rnn", "--seconds", "0.01", "--hidden", "4", "--cpuprofile", "-"},
	} {
		flag := args[len(args)-2]
		_, err := runCLIIn(t, "", args...)
		if !errors.As(err, new(cli.UsageError)) || !strings.Contains(err.Error(), flag+" -") {
			t.Errorf("%s: err = %v, want a usage error naming %s", strings.Join(args, " "), err, flag)
		}
		if _, err := os.Stat("-"); err == nil {
			t.Errorf(`%s wrote a file named "-"`, strings.Join(args, " "))
			os.Remove("-")
		}
	}
}

// TestNonPositiveTrainFlags: every trainer refuses a size, batch or
// learning rate that is not positive as a usage error (exit 2) naming the
// flag once, without "recurrent" twice (lm train-labels said "recurrent:
// recurrent lm train-labels: --hidden 0: must be positive"; translate
// train said so with exit 1; lm, classify and tag train named a config
// field with exit 1).
func TestNonPositiveTrainFlags(t *testing.T) {
	dir := t.TempDir()
	for _, cmd := range []string{"lm train", "lm train-labels", "classify train", "tag train", "translate train"} {
		for _, bad := range [][]string{{"--hidden", "0"}, {"--layers", "-1"}, {"--batch", "0"}, {"--lr", "NaN"}} {
			args := append(strings.Fields(cmd), "--train", "missing.txt", "--out", filepath.Join(dir, "ck"))
			_, err := runCLIIn(t, "", append(args, bad...)...)
			want := cmd + ": " + strings.Join(bad, " ") + ": must be positive"
			if !errors.As(err, new(cli.UsageError)) || err.Error() != want {
				t.Errorf("%s %s: err = %v, want the usage error %q", cmd, strings.Join(bad, " "), err, want)
			}
		}
	}
}

// TestUseLines: the flags a command's usage line shows are its own, under
// their current names (classify train and tag train showed --dev, a
// deprecated spelling of --valid that prints a note when used), and a
// command that reads standard input without them shows its inputs as
// optional (lm score showed "(--text TEXT | --file FILE | FILE...)").
func TestUseLines(t *testing.T) {
	for _, c := range helpCommands() {
		if c.Annotations["recurrent_input_args"] != "" && strings.Contains(c.Use, "(") {
			t.Errorf("%q reads standard input by default, but its usage line %q requires an input", helpPath(c), c.Use)
		}
		for _, w := range strings.FieldsFunc(c.Use, func(r rune) bool { return strings.ContainsRune(" []()|.", r) }) {
			name, ok := strings.CutPrefix(w, "--")
			if !ok {
				continue
			}
			var real bool
			c.Flags().VisitAll(func(f *pflag.Flag) { real = real || f.Name == name && !f.Hidden })
			if !real {
				t.Errorf("%q: the usage line %q shows --%s, which is not one of its flags", helpPath(c), c.Use, name)
			}
		}
	}
}

// TestTranslateRunText: translate run takes the sources on the command
// line with --text (repeatable), as the other commands that read lines do
// (it had no --text).
func TestTranslateRunText(t *testing.T) {
	ck := trainDatesTranslator(t)
	fromStdin, err := runCLIIn(t, "July 4th 1976\n12/01/2001\n", "translate", "run", "--model", ck)
	if err != nil {
		t.Fatal(err)
	}
	fromText, err := runCLIIn(t, "", "translate", "run", "--model", ck, "--text", "July 4th 1976", "--text", "12/01/2001")
	if err != nil || fromText != fromStdin {
		t.Errorf("--text: %q, %v; from standard input %q", fromText, err, fromStdin)
	}
}

// TestPlotSizeChecked: vectors plot refuses a --width or --height that
// is not a size in centimetres it can draw, naming the flag's value (NaN
// and -1 panicked in the image library, with a stack trace).
func TestPlotSizeChecked(t *testing.T) {
	out := filepath.Join(t.TempDir(), "w.png")
	for _, size := range [][]string{{"--width", "NaN"}, {"--width", "-1"}, {"--height", "0"}, {"--height", "inf"}, {"--width", "1e9"}} {
		args := append([]string{"vectors", "plot", "--vectors", tinyVectors, "--out", out, "man", "woman"}, size...)
		_, err := runCLIIn(t, "", args...)
		if err == nil || !strings.Contains(err.Error(), size[0][2:]) {
			t.Errorf("vectors plot %s %s: err = %v, want an error about the %s", size[0], size[1], err, size[0][2:])
		}
	}
}

// TestEmptyOutName: an output flag given an empty value (--out=) is an
// error that says so (vectors convert said "text: write : rename
// ./...tmp123 : no such file or directory").
func TestEmptyOutName(t *testing.T) {
	vec, err := filepath.Abs(tinyVectors)
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	for _, args := range [][]string{
		{"vectors", "convert", "--vectors", vec, "--out="},
		{"vectors", "plot", "--vectors", vec, "--out=", "man", "woman"},
		{"tag", "predict", "--model", "m", "--text", "x", "--out="},
	} {
		_, err := runCLIIn(t, "", args...)
		if err == nil || !strings.Contains(err.Error(), "empty file name") {
			t.Errorf("%s: err = %v, want one about the empty file name", strings.Join(args, " "), err)
		}
	}
}

// TestSampleOptionsNamed: lm sample refuses a bad --length, --temperature,
// --top-k or --top-p naming that one option (the error listed all four:
// "invalid options (max 3, top-k 0, temperature NaN, top-p 0)").
func TestSampleOptionsNamed(t *testing.T) {
	ck, _ := trainCharLM(t)
	for _, c := range []struct{ flag, value, want string }{
		{"--length", "-1", "length -1"},
		{"--temperature", "NaN", "temperature NaN"},
		{"--temperature", "inf", "temperature +Inf"},
		{"--top-k", "-1", "top-k -1"},
		{"--top-p", "2", "top-p 2"},
	} {
		_, err := runCLIIn(t, "", "lm", "sample", "--model", ck, "--length", "3", c.flag, c.value)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "invalid options") {
			t.Errorf("lm sample %s %s: err = %v, want one naming %q alone", c.flag, c.value, err, c.want)
		}
	}
}

// TestStdoutErrorsNotDropped: a run whose standard output could not be
// written (here /dev/full) exits 1 naming the error, also when what failed
// was cobra's help, whose write error cobra prints but does not return
// (recurrent --help > /dev/full exited 0). Standard output sent to
// /dev/null, also read-write as Python's subprocess.DEVNULL and the Go
// runtime's stand-in for a closed descriptor 1 are, succeeds.
func TestStdoutErrorsNotDropped(t *testing.T) {
	bin := recurrentBinary(t)
	for _, tc := range []struct {
		redirect string
		args     []string
		fails    bool
	}{
		{">/dev/full", []string{"--help"}, true},
		{">/dev/full", []string{"lm", "--help"}, true},
		{">/dev/full", []string{"tag", "score"}, true},
		{">/dev/full", []string{"--version"}, true},
		{">/dev/null", []string{"--help"}, false},
		{"1<>/dev/null", []string{"tag", "score"}, false},
		{">&-", []string{"tag", "score"}, false},
	} {
		sh := exec.Command("sh", append([]string{"-c", `"$0" "$@" ` + tc.redirect, bin}, tc.args...)...)
		sh.Stdin = strings.NewReader("EU B-ORG B-ORG\n")
		var stderr strings.Builder
		sh.Stderr = &stderr
		err := sh.Run()
		code := sh.ProcessState.ExitCode()
		if tc.fails && (code != 1 || !strings.HasPrefix(stderr.String(), "recurrent: ") || !strings.HasSuffix(stderr.String(), "write /dev/stdout: no space left on device\n")) ||
			!tc.fails && (err != nil || stderr.Len() > 0) {
			t.Errorf("recurrent %s %s: exit %d, stderr %q", strings.Join(tc.args, " "), tc.redirect, code, stderr.String())
		}
	}
}

// TestImportServeStdin: lm import reads its state_dict or vocabulary from
// standard input for "-", and refuses "-" for both; serve reads its token
// from standard input for --auth-token-file - (they opened a file named
// "-").
func TestImportServeStdin(t *testing.T) {
	td, err := filepath.Abs(filepath.Join("..", "..", "lm", "testdata")) // the binary runs in dir
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pt, vocab := filepath.Join(td, "torch_gru_char.pt"), filepath.Join(td, "torch_chars.json")
	read := func(p string) string {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for _, c := range []struct {
		stdin string
		args  []string
		code  int
		err   string
	}{
		{read(pt), []string{"lm", "import", "--state-dict", "-", "--vocab", vocab, "--out", "a"}, 0, ""},
		{read(vocab), []string{"lm", "import", "--state-dict", pt, "--vocab", "-", "--out", "b"}, 0, ""},
		{read(vocab), []string{"lm", "import", "--state-dict", "-", "--vocab", "-", "--out", "c"}, 2, "standard input"},
		{"not torch", []string{"lm", "import", "--state-dict", "-", "--vocab", vocab, "--out", "d"}, 1, "<stdin> is neither"},
		{" \n", []string{"serve", "--model", "m=a", "--auth-token-file", "-"}, 1, "--auth-token-file: <stdin> is empty"},
	} {
		code, stderr := runBinaryIn(t, dir, c.stdin, c.args...)
		if code != c.code || !strings.Contains(stderr, c.err) {
			t.Errorf("%s: exit %d, stderr %q; want %d and %q", strings.Join(c.args, " "), code, stderr, c.code, c.err)
		}
	}
	if a, b := read(filepath.Join(dir, "a", "config.json")), read(filepath.Join(dir, "b", "config.json")); a != b {
		t.Errorf("the state_dict from standard input gives config\n%s\nand from its file\n%s", a, b)
	}
}

// TestVersionFlag: recurrent --version prints the binary's module version,
// the commit it was built from when the build recorded one, and the Go
// version, as `go version -m` reads them from the binary.
func TestVersionFlag(t *testing.T) {
	bin := recurrentBinary(t)
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		t.Fatalf("--version: %v", err)
	}
	info, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for i, l := range strings.Split(string(info), "\n") {
		f := strings.Fields(strings.ReplaceAll(l, "=", " "))
		switch {
		case i == 0 && len(f) == 2:
			want["go"] = f[1]
		case len(f) >= 3 && f[0] == "mod":
			want["version"] = f[2]
		case len(f) == 3 && f[0] == "build" && strings.HasPrefix(f[1], "vcs."):
			want[f[1]] = f[2]
		}
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if lines[0] != "recurrent "+want["version"] || !strings.HasPrefix(lines[len(lines)-1], want["go"]+" ") {
		t.Errorf("--version printed %q; go version -m says %v", out, want)
	}
	if rev := want["vcs.revision"]; rev != "" && (len(lines) != 3 || !strings.HasPrefix(lines[1], "commit "+rev+" "+want["vcs.time"])) {
		t.Errorf("--version printed %q; go version -m says %v", out, want)
	}
}
