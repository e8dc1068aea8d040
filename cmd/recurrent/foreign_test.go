package main

import (
	"encoding/json"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/lm"
	"github.com/recurrent-go/recurrent/seq2seq"
)

// Tests of the commands that read files written by other tools: fastText
// models, gensim pickles, PyTorch state_dicts.

const fastTextBin = "../../vectors/testdata/fasttext_tiny.bin"

func TestVectorsFastTextCLI(t *testing.T) {
	// "citizenship" is not in the model's vocabulary: fastText's n-gram
	// vector answers the query, and its neighbours share its n-grams.
	out, err := runCLIIn(t, "", "vectors", "similar", "--vectors", fastTextBin, "citizenship", "-k", "3", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var ns []struct {
		Word  string
		Score float64
	}
	if err := json.Unmarshal([]byte(out), &ns); err != nil || len(ns) != 3 {
		t.Fatalf("similar output %q: %v", out, err)
	}
	if ns[0].Score < 0.5 {
		t.Errorf("nearest word to an OOV word scores %v: %q", ns[0].Score, out)
	}
	out, err = runCLIIn(t, "", "vectors", "similarity", "--vectors", fastTextBin, "naïveté", "naïve")
	if err != nil || !strings.Contains(out, "0.") {
		t.Fatalf("similarity of an OOV word: %q %v", out, err)
	}
	// A word2vec file has no n-grams: the same query is an error.
	if _, err := runCLIIn(t, "", "vectors", "similar", "--vectors", tinyVectors, "citizenship"); err == nil || !strings.Contains(err.Error(), "not in vocabulary") {
		t.Errorf("OOV word in word2vec vectors: %v", err)
	}
	// Converted to word2vec text, the vocabulary's vectors are kept.
	dir := t.TempDir()
	txt := filepath.Join(dir, "ft.txt")
	if _, err := runCLIIn(t, "", "vectors", "convert", "--vectors", fastTextBin, "--out", txt); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(txt)
	if err != nil || !strings.HasPrefix(string(b), "330 10\n</s> ") {
		t.Fatalf("converted file starts %q (%v)", string(b)[:min(len(b), 40)], err)
	}
}

func TestVectorsGensimPickle(t *testing.T) {
	dir := t.TempDir()
	kv := filepath.Join(dir, "vectors.kv")
	// The first bytes of a gensim 4 KeyedVectors.save file (pickle protocol 4).
	os.WriteFile(kv, []byte("\x80\x04\x95\x8e\x01\x00\x00\x00\x00\x00\x00\x8c\x1cgensim.models.keyedvectors\x94\x8c\x0cKeyedVectors\x94\x93\x94"), 0o644)
	_, err := runCLIIn(t, "", "vectors", "similar", "--vectors", kv, "king")
	if err == nil || !strings.Contains(err.Error(), "save_word2vec_format") || !strings.Contains(err.Error(), kv) {
		t.Errorf("gensim pickle: %v", err)
	}
}

func TestLMImportTorchSave(t *testing.T) {
	td := filepath.Join("..", "..", "lm", "testdata")
	dir := t.TempDir()
	// A character-level GRU saved with torch.save(model.state_dict()): the
	// level comes from the vocabulary (a JSON array of characters).
	out := filepath.Join(dir, "char")
	msg, err := runCLIIn(t, "", "lm", "import", "--state-dict", filepath.Join(td, "torch_gru_char.pt"),
		"--vocab", filepath.Join(td, "torch_chars.json"), "--out", out)
	if err != nil {
		t.Fatalf("import: %v\n%s", err, msg)
	}
	if !strings.Contains(msg, "gru 1 layers x 4, embed 4, vocab 12, tied true") || !strings.Contains(msg, "char level (from the vocabulary)") {
		t.Errorf("import message %q", msg)
	}
	if s, err := runCLIIn(t, "", "lm", "sample", "--model", out, "--length", "20", "--seed", "1"); err != nil || len(s) == 0 {
		t.Errorf("sample the imported char model: %q %v", s, err)
	}
	checkTorchLogits(t, out, "torch_gru_char")
	// pytorch/examples' word_language_model naming (encoder.weight) and a
	// word list, one a line: a word-level model.
	out = filepath.Join(dir, "word")
	msg, err = runCLIIn(t, "", "lm", "import", "--state-dict", filepath.Join(td, "torch_lstm_word.pt"),
		"--vocab", filepath.Join(td, "torch_words.txt"), "--out", out)
	if err != nil || !strings.Contains(msg, "lstm 2 layers x 6") || !strings.Contains(msg, "word level") {
		t.Fatalf("import: %q %v", msg, err)
	}
	if s, err := runCLIIn(t, "", "lm", "score", "--model", out, "--text", "the cat sat on the mat", "--json"); err != nil || !strings.Contains(s, "{") {
		t.Errorf("score the imported word model: %q %v", s, err)
	}
	checkTorchLogits(t, out, "torch_lstm_word")
	// recurrent's own vocab.json (here of the char model's characters) and
	// the legacy (non-zip) torch.save format in float64.
	vj := filepath.Join(dir, "vocab.json")
	var chars []string
	b, _ := os.ReadFile(filepath.Join(td, "torch_chars.json"))
	json.Unmarshal(b, &chars)
	vjs, _ := json.Marshal(map[string]any{"format": "recurrent-vocab", "version": 1, "specials": []string{}, "tokens": chars, "counts": make([]int, len(chars))})
	os.WriteFile(vj, vjs, 0o644)
	if msg, err := runCLIIn(t, "", "lm", "import", "--state-dict", filepath.Join(td, "torch_gru_char_legacy.pt"),
		"--vocab", vj, "--out", filepath.Join(dir, "legacy")); err != nil || !strings.Contains(msg, "gru 2 layers x 5") || !strings.Contains(msg, "char level") {
		t.Errorf("import with vocab.json: %q %v", msg, err)
	}
	// A training checkpoint of a model wrapped in nn.DataParallel (--json).
	msg, err = runCLIIn(t, "", "lm", "import", "--state-dict", filepath.Join(td, "torch_training_ckpt.pt"),
		"--vocab", filepath.Join(td, "torch_words.txt"), "--out", filepath.Join(dir, "ckpt"), "--json")
	var res struct {
		Cell, Level   string
		Layers, Vocab int
		Tied          bool
		LevelInferred bool `json:"level_inferred"`
	}
	if err != nil || json.Unmarshal([]byte(msg), &res) != nil || res.Cell != "gru" || res.Layers != 1 || res.Vocab != 13 || !res.Tied || res.Level != "word" || !res.LevelInferred {
		t.Errorf("import a training checkpoint: %q %+v %v", msg, res, err)
	}
	checkTorchLogits(t, filepath.Join(dir, "ckpt"), "torch_training_ckpt")
	// Other names need --rename; without it the error lists the names.
	args := []string{"lm", "import", "--state-dict", filepath.Join(td, "torch_custom_names.pt"), "--vocab", filepath.Join(td, "torch_words.txt")}
	if _, err := runCLIIn(t, "", append(args, "--out", filepath.Join(dir, "c1"))...); err == nil || !strings.Contains(err.Error(), "emb.weight") || !strings.Contains(err.Error(), "--rename") {
		t.Errorf("custom names without --rename: %v", err)
	}
	if msg, err := runCLIIn(t, "", append(args, "--out", filepath.Join(dir, "c2"), "--rename", "emb=embedding", "--rename", "lstm.=rnn.", "--rename", "fc=decoder")...); err != nil || !strings.Contains(msg, "lstm 1 layers x 4") {
		t.Errorf("custom names with --rename: %q %v", msg, err)
	}
	// Refused: a whole pickled model (nothing from it runs), and files of
	// other kinds, each said what it is; nothing is written.
	for _, tc := range []struct{ file, want string }{
		{filepath.Join(td, "torch_whole_model.pt"), "model.state_dict()"},
		{filepath.Join(td, "torch_words.txt"), "a text file"},
		{filepath.Join("..", "..", "vectors", "testdata", "fasttext_tiny.bin"), "fastText model"},
	} {
		o := filepath.Join(dir, "refused")
		_, err := runCLIIn(t, "", "lm", "import", "--state-dict", tc.file, "--vocab", filepath.Join(td, "torch_words.txt"), "--out", o)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.file, err, tc.want)
		}
		if _, err := os.Stat(o); !os.IsNotExist(err) {
			t.Errorf("%s: %s written despite the error", tc.file, o)
		}
	}
}

// TestTranslateDatesRangeHeatmap: gen-dates covers the years people type;
// a model trained on a narrow range records it, run warns about years
// outside it and draws one heat map per line.
func TestTranslateDatesRangeHeatmap(t *testing.T) {
	dir := t.TempDir()
	wide := filepath.Join(dir, "wide")
	if _, err := runCLIIn(t, "", "translate", "gen-dates", "--n", "3000", "--seed", "2", "--out", wide); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(wide, "train.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	early, late, theOf := 0, 0, 0
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		src, tgt, _ := strings.Cut(line, "\t")
		if tgt < "1500" {
			early++
		}
		if tgt > "2500" {
			late++
		}
		if low := strings.ToLower(src); strings.HasPrefix(low, "the ") && strings.Contains(low, " of ") {
			theOf++
		}
	}
	if early == 0 || late == 0 || theOf == 0 {
		t.Errorf("train.tsv: %d dates before 1500, %d after 2500, %d \"the ... of ...\" sources", early, late, theOf)
	}

	narrow := filepath.Join(dir, "narrow")
	if _, err := runCLIIn(t, "", "translate", "gen-dates", "--n", "300", "--seed", "2", "--out", narrow,
		"--from", "1950-01-01", "--to", "2049-12-31", "--test-frac", "0"); err != nil {
		t.Fatal(err)
	}
	ck := filepath.Join(dir, "ck")
	if out, err := runTranslateCmd(t, newTranslateTrainCmd, "", "--train", filepath.Join(narrow, "train.tsv"), "--out", ck,
		"--embed", "4", "--hidden", "4", "--epochs", "1", "--quiet"); err != nil {
		t.Fatalf("train: %v\n%s", err, out)
	}
	var cfg struct {
		Model struct {
			TrainedDates seq2seq.DateRange `json:"trained_dates"`
		}
	}
	b, err = os.ReadFile(filepath.Join(ck, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	if from, to := cfg.Model.TrainedDates.Years(); from < 1950 || to > 2049 || from > to {
		t.Fatalf("config.json trained_dates %+v", cfg.Model.TrainedDates)
	}
	hm := filepath.Join(dir, "heatmaps")
	out, err := runTranslateCmd(t, newTranslateRunCmd, "the 4th of july 1776\nMarch 5th, 1998\n", "--model", ck, "--heatmap", hm)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	if !strings.Contains(out, "<stdin>:1: year 1776 is outside the dates the model was trained on") || strings.Contains(out, "<stdin>:2:") {
		t.Errorf("run output %q: want a warning about line 1 only", out)
	}
	for _, name := range []string{"line-0001.png", "line-0002.png"} {
		f, err := os.Open(filepath.Join(hm, name))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// Wider than the grid of its source characters alone: labels and
		// the colour scale are drawn too.
		if w := img.Bounds().Dx(); w < 22*len("March 5th, 1998")+60 {
			t.Errorf("%s is %d pixels wide", name, w)
		}
	}
}

// checkTorchLogits loads the checkpoint lm import wrote and compares its
// logits with PyTorch's for the case of lm/testdata/torch_import.json.
func checkTorchLogits(t *testing.T, dir, name string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "lm", "testdata", "torch_import.json"))
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Cases []struct {
			Name   string
			T, B   int
			X      []int32
			Logits []float32
		}
	}
	if err := json.Unmarshal(b, &file); err != nil {
		t.Fatal(err)
	}
	for _, c := range file.Cases {
		if c.Name != name {
			continue
		}
		m, err := lm.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		got, err := m.Logits(c.X, c.T, c.B, m.NewState(c.B))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(c.Logits) {
			t.Fatalf("%s: %d logits, PyTorch %d", name, len(got), len(c.Logits))
		}
		for i := range got {
			if d := math.Abs(float64(got[i] - c.Logits[i])); !(d <= 1e-5) {
				t.Fatalf("%s: logits[%d] = %.7g, PyTorch %.7g", name, i, got[i], c.Logits[i])
			}
		}
		return
	}
	t.Fatalf("no case %q", name)
}
