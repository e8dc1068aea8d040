package seq2seq

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/train"
)

// TestSetupStartResume sets a run up from files, trains an epoch, and
// resumes it: a conflicting architecture or optimizer setting given is a
// *train.ConflictError naming it, the same value given passes, and a new
// learning rate and budget given apply.
func TestSetupStartResume(t *testing.T) {
	dir := t.TempDir()
	s := Setup{TrainFile: filepath.Join(dir, "train.tsv"), ValidFile: filepath.Join(dir, "dev.tsv"),
		Model: Config{Embed: 8, Hidden: 8}, Training: TrainConfig{Epochs: 1, Batch: 32, Seed: 3}}
	var b strings.Builder
	for _, p := range reversePairs(1, 100) {
		b.WriteString(p.Source + "\t" + p.Target + "\n")
	}
	os.WriteFile(s.TrainFile, []byte(b.String()), 0o644)
	os.WriteFile(s.ValidFile, []byte("abc\tcba\nfed\tdef\n"), 0o644)
	ck := filepath.Join(dir, "ck")
	ses, err := s.Start(ck, false)
	if err != nil {
		t.Fatal(err)
	}
	var notes strings.Builder
	if ses.WriteNotes(&notes); notes.String() != ses.Trainer.Describe()+"\n" {
		t.Errorf("WriteNotes wrote %q", notes.String())
	}
	sum, err := ses.Train(context.Background(), nil)
	if err != nil || sum.Checkpoint != ck || sum.Steps != 4 || sum.Stop != "epochs" || sum.Best == nil {
		t.Fatalf("Train: %+v, %v", sum, err)
	}
	given := func(names ...string) func(string) bool {
		return func(n string) bool { return strings.Contains(","+strings.Join(names, ",")+",", ","+n+",") }
	}
	for _, name := range []string{"hidden", "optimizer", "tokens"} {
		r := s
		r.Model.Hidden, r.Training.Optimizer, r.Model.Tokens = 16, "sgd", "word"
		var ce *train.ConflictError
		if _, err := r.Resume(ck, given(name)); !errors.As(err, &ce) || ce.Setting.Name != name ||
			!strings.HasPrefix(err.Error(), "translate train --resume: --"+name+" ") {
			t.Errorf("Resume with --%s changed: %v", name, err)
		}
	}
	r := s
	r.Training.LR, r.Training.Epochs = 1e-4, 2
	res, err := r.Resume(ck, given("hidden", "lr", "epochs"))
	if err != nil {
		t.Fatal(err)
	}
	if c := res.Trainer.Config; c.LR != 1e-4 || c.Epochs != 2 || res.Trainer.Pos().Epoch != 1 {
		t.Errorf("resumed: lr %v, epochs %d at %+v", c.LR, c.Epochs, res.Trainer.Pos())
	}
	if sum, err := res.Train(context.Background(), nil); err != nil || sum.Steps != 8 || sum.Position.Epoch != 2 {
		t.Errorf("resumed Train: %+v, %v", sum, err)
	}
}
