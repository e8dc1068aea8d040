package tag

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/checkpoint"
	"github.com/recurrent-go/recurrent/train"
)

// recase returns a copy of sents with the first token of sentence i
// upper-cased: with Config.Lower the word ids stay, the characters the
// character encoder reads change.
func recase(sents []Sentence, i int) []Sentence {
	out := append([]Sentence(nil), sents...)
	out[i].Tokens = append([]string(nil), out[i].Tokens...)
	out[i].Tokens[0] = strings.ToUpper(out[i].Tokens[0])
	return out
}

// TestResumeChecksCharacters checks that a resume on training or dev
// sentences that differ only in what the character encoder reads is
// refused naming that data set, and that a checkpoint written before the
// character fingerprints existed (state.json without them) still resumes.
func TestResumeChecksCharacters(t *testing.T) {
	trainS, dev := capsData(16, 31), capsData(6, 32)
	cfg := testConfig(trainS, 3) // Lower: true
	m := newTestModel(t, cfg, trainS, 3)
	tc := TrainConfig{Config: train.Config{Epochs: 1, Batch: 8, Optimizer: "sgd", LR: 0.1, Seed: 1}}
	tr := mustNewTrainer(t, m, mustEncode(t, m, trainS, "train", true), dev, tc)
	dir := filepath.Join(t.TempDir(), "ck")
	tr.Dir = dir
	if _, err := tr.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	resume := func(trainS, dev []Sentence) error {
		m, err := Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Resume(dir, mustEncode(t, m, trainS, "train", true), dev)
		return err
	}
	if err := resume(trainS, dev); err != nil {
		t.Fatalf("resume on the same data: %v", err)
	}
	// The word ids are the same: only the characters tell the data apart.
	otherTrain, otherDev := recase(trainS, 3), recase(dev, 1)
	if a, b := mustEncode(t, m, trainS, "", true), mustEncode(t, m, otherTrain, "", true); fmt.Sprint(a.Words) != fmt.Sprint(b.Words) || fmt.Sprint(a.Chars) == fmt.Sprint(b.Chars) {
		t.Fatalf("recased data: words %v / %v, chars %v / %v", a.Words[3], b.Words[3], a.Chars[3], b.Chars[3])
	}
	if err := resume(otherTrain, dev); err == nil || !strings.Contains(err.Error(), "the train_chars data differ from the checkpoint's (16 items, other content)") {
		t.Errorf("resume on recased training sentences: %v", err)
	}
	if err := resume(trainS, otherDev); err == nil || !strings.Contains(err.Error(), "the dev_chars data differ from the checkpoint's (6 items, other content)") {
		t.Errorf("resume on recased dev sentences: %v", err)
	}

	// A checkpoint of the previous version: no character fingerprints in
	// state.json (and a manifest that matches it).
	stripCharFingerprints(t, dir)
	if err := resume(trainS, dev); err != nil {
		t.Fatalf("resume of a checkpoint without character fingerprints: %v", err)
	}
	if err := resume(otherTrain, otherDev); err != nil {
		t.Errorf("a checkpoint without character fingerprints is not checked on characters: %v", err)
	}
	if err := resume(trainS[1:], dev); err == nil || !strings.Contains(err.Error(), "the train data differ") {
		t.Errorf("resume of an old checkpoint on other words: %v", err)
	}
}

// stripCharFingerprints drops the character fingerprints from the
// state.json of the checkpoint dir and rewrites its line of the manifest.
func stripCharFingerprints(t *testing.T, dir string) {
	t.Helper()
	path := filepath.Join(dir, checkpoint.StateFile)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var st map[string]json.RawMessage
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	var data, kept []train.Fingerprint
	if err := json.Unmarshal(st["data"], &data); err != nil {
		t.Fatal(err)
	}
	for _, f := range data {
		if !strings.HasSuffix(f.Name, "_chars") {
			kept = append(kept, f)
		}
	}
	if len(kept) != 4 || len(data) != 6 {
		t.Fatalf("state.json fingerprints %+v", data)
	}
	st["data"], _ = json.Marshal(kept)
	nb, _ := json.Marshal(st)
	if err := os.WriteFile(path, nb, 0o644); err != nil {
		t.Fatal(err)
	}
	manifest := filepath.Join(dir, checkpoint.ManifestFile)
	mb, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	oldLine := fmt.Sprintf("%x  %s\n", sha256.Sum256(b), checkpoint.StateFile)
	if !strings.Contains(string(mb), oldLine) {
		t.Fatalf("manifest %q has no line %q", mb, oldLine)
	}
	mb = []byte(strings.Replace(string(mb), oldLine, fmt.Sprintf("%x  %s\n", sha256.Sum256(nb), checkpoint.StateFile), 1))
	if err := os.WriteFile(manifest, mb, 0o644); err != nil {
		t.Fatal(err)
	}
}
