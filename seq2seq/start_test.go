package seq2seq

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPairsTrainerResume reads pair files, trains one epoch into a
// checkpoint, resumes it with a new learning rate for a second, and checks
// the errors that name the data files.
func TestPairsTrainerResume(t *testing.T) {
	dir := t.TempDir()
	trainPath, devPath := filepath.Join(dir, "train.tsv"), filepath.Join(dir, "dev.tsv")
	var b strings.Builder
	for _, p := range reversePairs(1, 200) {
		b.WriteString(p.Source + "\t" + p.Target + "\n")
	}
	os.WriteFile(trainPath, []byte(b.String()), 0o644)
	os.WriteFile(devPath, []byte("abc\tcba\nfed\tdef\n"), 0o644)
	d, err := ReadData(trainPath, devPath)
	if err != nil || len(d.Train) != 200 || len(d.Dev) != 2 || d.TrainName != trainPath {
		t.Fatalf("ReadData: %d train, %d dev, %v", len(d.Train), len(d.Dev), err)
	}
	ck := filepath.Join(dir, "ck")
	tc := TrainConfig{Epochs: 1, Batch: 32, Seed: 3}
	tr, err := NewPairsTrainer(d, Config{Embed: 8, Hidden: 8}, tc, ck, false)
	if err != nil {
		t.Fatal(err)
	}
	if desc := tr.Describe(); !strings.HasPrefix(desc, "model: gru encoder (1 layer(s), 2x8), gru decoder (16), attention bahdanau, char tokens;") ||
		!strings.HasSuffix(desc, "; 7 batches/epoch") {
		t.Errorf("Describe() = %q", desc)
	}
	if _, err := tr.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	r, err := ResumePairs(ck, d)
	if err != nil {
		t.Fatal(err)
	}
	if r.Pos().Epoch != 1 || r.Pos().Step != tr.Pos().Step {
		t.Errorf("resumed at %+v, want %+v", r.Pos(), tr.Pos())
	}
	saved := r.Config
	// The starting rate given again keeps the optimizer's current rate.
	r.Loop().Optimizer().SetLR(saved.LR / 4)
	r.Continue(TrainConfig{LR: saved.LR}, Changes{LR: true})
	if lr := r.Loop().Optimizer().LR(); lr != saved.LR/4 {
		t.Errorf("Continue with lr equal to the starting rate %v: optimizer lr %v, want %v kept", saved.LR, lr, saved.LR/4)
	}
	r.Continue(TrainConfig{Epochs: 2, MaxSteps: 999, LR: 1e-4, LRDecay: 0.5, Clip: 3, Patience: 4, DevDecode: 9, Batch: 1, Seed: 77},
		Changes{Budget: true, LR: true})
	if c := r.Config; c.Epochs != 2 || c.MaxSteps != 999 || c.LRDecay != saved.LRDecay || c.Clip != saved.Clip ||
		c.Patience != saved.Patience || c.DevDecode != saved.DevDecode || c.Batch != saved.Batch || c.Seed != saved.Seed {
		t.Errorf("Continue with the budget and lr changed: %+v, saved %+v", c, saved)
	}
	r.Continue(TrainConfig{LRDecay: 0.5, Clip: 3, Patience: 4, DevDecode: 9}, Changes{LRDecay: true, Clip: true, Patience: true, Decode: true})
	if c := r.Config; c.LRDecay != 0.5 || c.Clip != 3 || c.Patience != 4 || c.DevDecode != 9 || c.LR != 1e-4 || c.Epochs != 2 {
		t.Errorf("Continue with the schedule changed: %+v", c)
	}
	r.Continue(TrainConfig{Epochs: 2, LR: 1e-4, LRDecay: 1, Clip: 5, DevDecode: -1}, Changes{Budget: true, LRDecay: true, Clip: true, Decode: true})
	if _, err := r.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if lr := r.Loop().Optimizer().LR(); lr != 1e-4 || r.Config.LR != 1e-4 || r.Pos().Epoch != 2 {
		t.Errorf("after Continue with lr 1e-4 and a second epoch: optimizer lr %v, config lr %v, epoch %d", lr, r.Config.LR, r.Pos().Epoch)
	}
	bad := d
	bad.Dev, bad.DevName = []Pair{{"ok", "ko"}, {"", "x"}}, "bad-dev.tsv"
	if _, err := NewPairsTrainer(bad, Config{Embed: 8, Hidden: 8}, tc, filepath.Join(dir, "ck2"), false); err == nil || !strings.HasPrefix(err.Error(), "bad-dev.tsv: ") {
		t.Errorf("an empty dev source: %v, want an error naming bad-dev.tsv", err)
	}
	if _, err := ResumePairs(filepath.Join(dir, "none"), d); err == nil {
		t.Errorf("ResumePairs without a checkpoint: nil error")
	}
	if _, err := ReadData(filepath.Join(dir, "missing.tsv"), ""); err == nil {
		t.Errorf("ReadData of a missing file: nil error")
	}
}
