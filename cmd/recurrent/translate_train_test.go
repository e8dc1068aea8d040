package main

import (
	"context"
	"encoding/json"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/seq2seq"
)

// TestTranslateTrainEvalRun trains a small date model for two epochs,
// resumes it for a third, evaluates greedy and beam, and translates with
// attention exported as JSON and PNG.
func TestTranslateTrainEvalRun(t *testing.T) {
	dir := t.TempDir()
	ck, test := trainDatesResumed(t, dir)
	checkTranslateEval(t, ck, test, filepath.Join(dir, "maps"))
	jpath, ppath := filepath.Join(dir, "a.json"), filepath.Join(dir, "a.png")
	out, err := runTranslateCmd(t, newTranslateRunCmd, "March 5th, 1998\n12/01/2001\tignored\n",
		"--model", ck, "--attention-json", jpath, "--attention-png", ppath)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 2 {
		t.Fatalf("run printed %q", out)
	}
	var am seq2seq.AttentionMap
	b, err := os.ReadFile(jpath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &am); err != nil || len(am.Source) != len("March 5th, 1998") || len(am.Weights) != len(am.Output) {
		t.Fatalf("attention json %s (%v)", b, err)
	}
	f, err := os.Open(ppath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Fatalf("attention png: %v", err)
	}
	// Errors name the file and line.
	bad := filepath.Join(dir, "bad.tsv")
	if err := os.WriteFile(bad, []byte("a\tb\nno tab here\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := runTranslateCmd(t, newTranslateEvalCmd, "", "--model", ck, "--data", bad, "--quiet"); err == nil || !strings.Contains(err.Error(), "bad.tsv:2") {
		t.Errorf("malformed pairs: error %v, want it to name bad.tsv:2", err)
	}
	// A blank source line gets a blank output line, so that
	// paste input.txt output.txt lines up.
	if out, err := runTranslateCmd(t, newTranslateRunCmd, "ok\n\nok\n", "--model", ck); err != nil || len(strings.Split(out, "\n")) != 4 || strings.Split(out, "\n")[1] != "" || strings.Split(out, "\n")[0] == "" {
		t.Errorf("blank source line: output %q, %v; want 3 lines, the second blank", out, err)
	}
}

// trainDatesResumed generates date pairs into dir, trains a small
// translator on them for two epochs, resumes it for a third, checks both
// summaries, and returns the checkpoint and the test split.
func trainDatesResumed(t *testing.T, dir string) (string, string) {
	t.Helper()
	paths, err := seq2seq.WriteDateSplits(context.Background(), dir, seq2seq.DateOptions{N: 1500, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	train, dev, test := paths[0], paths[1], paths[2]
	ck := filepath.Join(dir, "ck")
	common := []string{"--train", train, "--dev", dev, "--out", ck, "--embed", "16", "--hidden", "32",
		"--batch", "32", "--lr", "0.005", "--quiet", "--json"}
	out, err := runTranslateCmd(t, newTranslateTrainCmd, "", append(common, "--epochs", "2")...)
	if err != nil {
		t.Fatalf("train: %v\n%s", err, out)
	}
	var first, sum loopSummary
	if err := json.Unmarshal([]byte(out), &first); err != nil || first.Position.Epoch != 2 || first.Stop != "epochs" || first.Best == nil {
		t.Fatalf("train printed %q (%v), want a summary after 2 epochs", out, err)
	}
	out, err = runTranslateCmd(t, newTranslateTrainCmd, "", append(common, "--epochs", "3", "--resume")...)
	if err != nil {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	if err := json.Unmarshal([]byte(out), &sum); err != nil || sum.Position.Epoch != 3 || sum.Steps != first.Steps*3/2 {
		t.Fatalf("resumed run printed %q (%v), want epoch 3 after %d steps", out, err, first.Steps*3/2)
	}
	return ck, test
}

// checkTranslateEval evaluates the translator at ck on the 150 test
// pairs in test, greedy and with beam 3, and checks the metrics and the
// attention maps drawn into hm.
func checkTranslateEval(t *testing.T, ck, test, hm string) {
	t.Helper()
	for _, beam := range []string{"1", "3"} {
		out, err := runTranslateCmd(t, newTranslateEvalCmd, "", "--model", ck, "--data", test, "--beam", beam, "--json", "--quiet", "--heatmap", hm)
		if err != nil {
			t.Fatalf("eval: %v\n%s", err, out)
		}
		var met struct {
			seq2seq.Metrics
			Beam int `json:"beam"`
		}
		if err := json.Unmarshal([]byte(out), &met); err != nil {
			t.Fatal(err)
		}
		if met.N != 150 || met.Beam != map[string]int{"1": 1, "3": 3}[beam] || met.TokenAccuracy < 0.5 || met.BLEU <= 0 {
			t.Errorf("beam %s: metrics %+v", beam, met)
		}
	}
	if maps, _ := filepath.Glob(filepath.Join(hm, "line-*.png")); len(maps) != 150 {
		t.Errorf("eval --heatmap drew %d maps, want 150", len(maps))
	}
}

// TestTranslateBLEUTokenize: translate bleu tokenizes with 13a unless told
// otherwise, as sacreBLEU does, and says so in its reports. The expected
// scores come from CorpusBLEUTokens on the pair tokenized by hand.
func TestTranslateBLEUTokenize(t *testing.T) {
	dir := t.TempDir()
	hyp, ref := filepath.Join(dir, "hyp.txt"), filepath.Join(dir, "ref.txt")
	os.WriteFile(hyp, []byte("The cat sat, then ran.\nIt's 3.5-4 (or so)!\n"), 0o644)
	os.WriteFile(ref, []byte("The cat sat , and ran .\nit's 3.5 - 4 ( or so ) !\n"), 0o644)
	score := func(h, r [][]string) float64 {
		b, err := seq2seq.CorpusBLEUTokens(h, r)
		if err != nil {
			t.Fatal(err)
		}
		return b.Score
	}
	// 13a splits , . ( ) ! and the hyphen after "5", keeps 3.5 and It's.
	tok13a := score([][]string{strings.Fields("The cat sat , then ran ."), strings.Fields("It's 3.5 - 4 ( or so ) !")},
		[][]string{strings.Fields("The cat sat , and ran ."), strings.Fields("it's 3.5 - 4 ( or so ) !")})
	lc := score([][]string{strings.Fields("the cat sat , then ran ."), strings.Fields("it's 3.5 - 4 ( or so ) !")},
		[][]string{strings.Fields("the cat sat , and ran ."), strings.Fields("it's 3.5 - 4 ( or so ) !")})
	none := score([][]string{strings.Fields("The cat sat, then ran."), strings.Fields("It's 3.5-4 (or so)!")},
		[][]string{strings.Fields("The cat sat , and ran ."), strings.Fields("it's 3.5 - 4 ( or so ) !")})
	for _, c := range []struct {
		args      []string
		want      float64
		tok, sig  string
		lowercase bool
	}{
		{nil, tok13a, "13a", "case:mixed|eff:no|tok:13a", false},
		{[]string{"--tokenize", "none"}, none, "none", "case:mixed|eff:no|tok:none", false},
		{[]string{"--lowercase"}, lc, "13a", "case:lc|eff:no|tok:13a", true},
	} {
		args := append([]string{"translate", "bleu", "--ref", ref, "--hyp", hyp}, c.args...)
		out, err := runCLIIn(t, "", append(args, "--json")...)
		var got struct {
			BLEU      float64
			Tokenize  string
			Lowercase bool
			Signature string
		}
		if err != nil || json.Unmarshal([]byte(out), &got) != nil {
			t.Fatalf("%v: %q, %v", c.args, out, err)
		}
		wantSig := "nrefs:1|" + c.sig + "|smooth:exp|version:" + seq2seq.SacreBLEUVersion
		if math.Abs(got.BLEU-c.want) > 1e-9 || got.Tokenize != c.tok || got.Lowercase != c.lowercase || got.Signature != wantSig {
			t.Errorf("%v: %+v, want BLEU %v tokenize %s lowercase %t signature %s", c.args, got, c.want, c.tok, c.lowercase, wantSig)
		}
		text, err := runCLIIn(t, "", args...)
		lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
		if err != nil || len(lines) != 2 || !strings.HasPrefix(lines[0], "BLEU = ") || lines[1] != wantSig {
			t.Errorf("%v text: %q, %v", c.args, text, err)
		}
	}
	if tok13a == none || tok13a == lc {
		t.Fatalf("the files do not tell the tokenizers apart: %v %v %v", tok13a, none, lc)
	}
	if _, err := runCLIIn(t, "", "translate", "bleu", "--ref", ref, "--hyp", hyp, "--tokenize", "zh"); err == nil || !strings.Contains(err.Error(), `unknown BLEU tokenizer "zh"`) {
		t.Errorf("--tokenize zh: %v", err)
	}
}
