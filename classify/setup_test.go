package classify

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/train"
)

// writeData writes n planted "label<TAB>text" lines (the label's word in
// every text) to a new file and returns its path.
func writeData(t *testing.T, n int) string {
	t.Helper()
	var b strings.Builder
	labels := []string{"neg", "pos", "meh"}
	for i := range n {
		l := labels[i%3]
		fmt.Fprintf(&b, "%s\tw%d %s w%d\n", l, i%7, map[string]string{"neg": "awful", "pos": "great", "meh": "fine"}[l], i%5)
	}
	p := filepath.Join(t.TempDir(), "data.tsv")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func testSetup(t *testing.T) Setup {
	s := Setup{TrainFile: writeData(t, 30), ValidFile: writeData(t, 9), TestFile: writeData(t, 9),
		Format: "auto", Tokenize: "whitespace", MinCount: 1, EmbedDropout: -1, Binary: "auto",
		Model:    Config{Arch: ArchRNN, Cell: "gru", Embed: 6, Hidden: 5, Layers: 1, Pool: PoolLast, Dropout: 0.1},
		Training: TrainConfig{Config: train.Config{Epochs: 2, Batch: 8, Optimizer: "adam", LR: 0.01, Clip: 5, Seed: 3}}}
	return s
}

func TestSetupStartTrainResume(t *testing.T) {
	s := testSetup(t)
	dir := filepath.Join(t.TempDir(), "ck")
	ses, err := s.Start(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	var notes strings.Builder
	ses.WriteNotes(&notes)
	if !strings.Contains(notes.String(), "model: gru, 1 layers x 5, last pooling; embed 6 (frozen: false)") {
		t.Errorf("notes %q", notes.String())
	}
	sum, err := ses.Train(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Steps != 8 || sum.Stop != "epochs" || sum.Checkpoint != dir || sum.Best == nil || sum.Test == nil || sum.Test.N != 9 || sum.Interrupted {
		t.Errorf("summary %+v", sum)
	}
	var b strings.Builder
	sum.WriteText(&b)
	if !strings.Contains(b.String(), "best dev accuracy") || !strings.Contains(b.String(), "test accuracy") || !strings.HasSuffix(b.String(), "checkpoint: "+dir+"\n") {
		t.Errorf("text %q", b.String())
	}

	s.Model.Hidden = 9
	given := func(names ...string) func(string) bool {
		return func(n string) bool { return strings.Contains(" "+strings.Join(names, " ")+" ", " "+n+" ") }
	}
	var ce *train.ConflictError
	if _, err := s.Resume(dir, given("hidden")); !errors.As(err, &ce) || ce.Name != "hidden" || !strings.HasPrefix(err.Error(), "classify train --resume: --hidden 9 conflicts with the checkpoint's 5") {
		t.Errorf("conflicting --hidden: %v", err)
	}
	if _, err := s.Resume(dir, given("vectors")); !errors.As(err, &ce) || !ce.Fixed {
		t.Errorf("--vectors on resume: %v", err)
	}
	s.Training.Epochs = 3
	ses, err = s.Resume(dir, given("epochs"))
	if err != nil {
		t.Fatal(err)
	}
	if ses.Trainer.Config.Epochs != 3 || ses.Trainer.Model.Config.Hidden != 5 {
		t.Errorf("resumed epochs %d hidden %d", ses.Trainer.Config.Epochs, ses.Trainer.Model.Config.Hidden)
	}
	if sum, err = ses.Train(context.Background(), nil); err != nil || sum.Steps != 12 || sum.Position.Epoch != 3 {
		t.Errorf("resumed run: %+v, %v", sum, err)
	}
}

func TestSetupErrors(t *testing.T) {
	s := testSetup(t)
	s.Binary = "true"
	if _, err := s.Start(t.TempDir(), true); err == nil || !strings.Contains(err.Error(), "--binary=true but "+s.TrainFile+" has 3 labels") {
		t.Errorf("binary with 3 labels: %v", err)
	}
	s.Binary = "maybe"
	if _, err := s.Start(t.TempDir(), true); err == nil || !strings.Contains(err.Error(), `--binary "maybe"`) {
		t.Errorf("bad --binary: %v", err)
	}
	s = testSetup(t)
	s.InitFrom = filepath.Join(t.TempDir(), "none")
	if _, err := s.Start(t.TempDir(), true); err == nil || !strings.HasPrefix(err.Error(), "classify train: --init-from: ") {
		t.Errorf("missing --init-from: %v", err)
	}
	s = testSetup(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ses, err := s.Start(filepath.Join(t.TempDir(), "ck"), false)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := ses.Train(ctx, nil)
	if !errors.Is(err, context.Canceled) || sum == nil || !sum.Interrupted || sum.Test != nil {
		t.Errorf("cancelled run: %+v, %v", sum, err)
	}
}

// TestResumeBinaryAuto reruns a two-label run's command line, --binary
// auto given, with --resume: auto made the model binary, so it agrees
// with the checkpoint (it was refused as "--binary false"); likewise
// --embed-dropout -1 (refused as -1 against the saved --dropout) and
// --tokenize words (refused against the saved mode's name, "word").
func TestResumeBinaryAuto(t *testing.T) {
	var b strings.Builder
	for i := range 24 {
		l := []string{"neg", "pos"}[i%2]
		fmt.Fprintf(&b, "%s\tw%d %s\n", l, i%5, map[string]string{"neg": "awful", "pos": "great"}[l])
	}
	p := filepath.Join(t.TempDir(), "two.tsv")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	s := testSetup(t)
	s.TrainFile, s.ValidFile, s.TestFile, s.Tokenize = p, p, "", "words"
	s.Training.Epochs = 1
	dir := filepath.Join(t.TempDir(), "ck")
	ses, err := s.Start(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if !ses.Trainer.Model.Config.Binary {
		t.Fatal("two labels with --binary auto did not make a binary model")
	}
	if _, err := ses.Train(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	binary := func(n string) bool { return n == "binary" }
	if _, err := s.Resume(dir, binary); err != nil {
		t.Errorf("--binary auto on resuming a two-label run: %v", err)
	}
	// So does --embed-dropout -1 (the embeddings' dropout is --dropout).
	if _, err := s.Resume(dir, func(n string) bool { return n == "embed-dropout" || n == "dropout" }); err != nil {
		t.Errorf("--embed-dropout -1 on resuming: %v", err)
	}
	// And --tokenize words, the name --help gives (the mode is "word").
	s.Tokenize = "words"
	if _, err := s.Resume(dir, func(n string) bool { return n == "tokenize" }); err != nil {
		t.Errorf("--tokenize words on resuming a words run: %v", err)
	}
	s.EmbedDropout = 0.3
	var ce *train.ConflictError
	if _, err := s.Resume(dir, func(n string) bool { return n == "embed-dropout" }); !errors.As(err, &ce) || ce.Name != "embed-dropout" {
		t.Errorf("--embed-dropout 0.3 on resuming a model with 0.1: %v", err)
	}
	s.Binary = "false"
	if _, err := s.Resume(dir, binary); !errors.As(err, &ce) || ce.Name != "binary" {
		t.Errorf("--binary false on resuming a binary model: %v", err)
	}
}
