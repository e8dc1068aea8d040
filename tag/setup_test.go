package tag

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/internal/testutil"
	"github.com/recurrent-go/recurrent/train"
)

// writeCoNLL writes n sentences "p<i> B-PER / went O / l<i> B-LOC" and
// returns the path.
func writeCoNLL(t *testing.T, name string, n int) string {
	t.Helper()
	sents := make([]Sentence, n)
	for i := range sents {
		sents[i] = Sentence{Tokens: []string{"p" + strconv.Itoa(i%4), "went", "l" + strconv.Itoa(i%3)}, Tags: []string{"B-PER", "O", "B-LOC"}}
	}
	return writeSentences(t, name, sents)
}

// writeSentences writes sents as a CoNLL file name in a temporary
// directory and returns its path.
func writeSentences(t *testing.T, name string, sents []Sentence) string {
	t.Helper()
	var b strings.Builder
	if err := WriteCoNLL(&b, sents, false); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), name)
	testutil.WriteFile(t, p, []byte(b.String()))
	return p
}

func TestSetupStartTrainResume(t *testing.T) {
	s := Setup{TrainFile: writeCoNLL(t, "train", 12), ValidFile: writeCoNLL(t, "dev", 4), TestFile: writeCoNLL(t, "test", 4), MinCount: 1,
		Model:    Config{WordEmbed: 6, CharEmbed: 3, CharHidden: 3, Cell: "lstm", Hidden: 4, Layers: 1, Dropout: 0.1, Scheme: "auto", TrainScheme: "iobes"},
		Training: TrainConfig{Config: train.Config{Epochs: 1, Batch: 4, Optimizer: "adam", LR: 0.01, Clip: 5, Seed: 1}, Decay: 0.05}}
	var notes bytes.Buffer
	dir := filepath.Join(t.TempDir(), "ck")
	ses, err := s.Start(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	ses.WriteNotes(&notes)
	if !strings.HasPrefix(notes.String(), "model: word 6 + char BiLSTM 3x3 -> bilstm 1 layers x 4 -> ") || !strings.HasSuffix(notes.String(), "; 12 sentences\n") {
		t.Errorf("notes %q", notes.String())
	}
	sum, err := ses.Train(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Steps != 3 || sum.Best == nil || sum.Test == nil || sum.Test.Tokens != 12 {
		t.Errorf("summary %+v", sum)
	}
	var b strings.Builder
	sum.WriteText(&b)
	if !strings.Contains(b.String(), "best dev F1") || !strings.Contains(b.String(), "test: processed 12 tokens") {
		t.Errorf("text %q", b.String())
	}
	s.Training.Decay = 0.1
	var ce *train.ConflictError
	if _, err := s.Resume(dir, func(n string) bool { return n == "decay" }); !errors.As(err, &ce) || ce.Name != "decay" {
		t.Errorf("conflicting --decay: %v", err)
	}
	if _, err := s.Resume(dir, func(n string) bool { return n == "scheme" }); !errors.As(err, &ce) || !ce.Fixed {
		t.Errorf("--scheme on resume: %v", err)
	}
	// --train-scheme is compared by its scheme, not its spelling.
	s.Training.Decay = 0.05
	trainScheme := func(n string) bool { return n == "train-scheme" }
	s.Model.TrainScheme = "IOBES"
	if _, err := s.Resume(dir, trainScheme); err != nil {
		t.Errorf("--train-scheme IOBES on an iobes checkpoint: %v", err)
	}
	s.Model.TrainScheme = "bio"
	if _, err := s.Resume(dir, trainScheme); !errors.As(err, &ce) || ce.Name != "train-scheme" || ce.Now != "iob2" {
		t.Errorf("--train-scheme bio on an iobes checkpoint: %v", err)
	}
	s.Model.TrainScheme = "iobes"
	s.Training.Epochs = 2
	if ses, err = s.Resume(dir, func(n string) bool { return n == "epochs" }); err != nil {
		t.Fatal(err)
	}
	if sum, err = ses.Train(context.Background(), nil); err != nil || sum.Steps != 6 {
		t.Errorf("resumed: %+v, %v", sum, err)
	}
	// An empty training, dev or test file is an error naming it (dev and
	// test ones trained silently without validation or test result).
	train0 := s.TrainFile
	empty := writeCoNLL(t, "empty", 0)
	for i, f := range []*string{&s.TrainFile, &s.ValidFile, &s.TestFile} {
		which := []string{"training", "dev", "test"}[i]
		old := *f
		*f = empty
		if _, err := s.Start(t.TempDir(), true); err == nil || !strings.Contains(err.Error(), empty+" has no sentences") {
			t.Errorf("empty %s file: %v", which, err)
		}
		if _, err := s.Resume(dir, func(string) bool { return false }); err == nil || !strings.Contains(err.Error(), empty+" has no sentences") {
			t.Errorf("resume, empty %s file: %v", which, err)
		}
		*f = old
	}
	if s.TrainFile != train0 {
		t.Fatal("the test did not restore the training file")
	}
}

// TestSetupScoresDocStartRows: tag train's dev and test figures count a
// file's -DOCSTART- rows as tokens outside any chunk, as conlleval does on
// the file tag predict writes (and as tag eval and Model.Score do); they
// were dropped when reading, so accuracy and token counts differed from
// tag eval's on the same file.
func TestSetupScoresDocStartRows(t *testing.T) {
	docs := func(name string) string {
		var sents []Sentence
		for d := range 2 {
			sents = append(sents, Sentence{Tokens: []string{DocStart}, Tags: []string{"O"}})
			for i := range 2 {
				sents = append(sents, Sentence{Tokens: []string{"p" + strconv.Itoa(d+i), "went", "l" + strconv.Itoa(i)}, Tags: []string{"B-PER", "O", "B-LOC"}})
			}
		}
		return writeSentences(t, name, sents)
	}
	s := Setup{TrainFile: writeCoNLL(t, "train", 12), ValidFile: docs("dev"), TestFile: docs("test"), MinCount: 1,
		Model:    Config{WordEmbed: 6, Cell: "lstm", Hidden: 4, Layers: 1, Scheme: "auto", TrainScheme: "iobes"},
		Training: TrainConfig{Config: train.Config{Epochs: 1, Batch: 4, Optimizer: "adam", LR: 0.01, Clip: 5, Seed: 1}}}
	ses, err := s.Start(filepath.Join(t.TempDir(), "ck"), false)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := ses.Train(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	kept, err := ReadCoNLLFile(s.TestFile, ReadOptions{KeepDocStart: true})
	if err != nil {
		t.Fatal(err)
	}
	want, _, err := ses.Trainer.Model.Score(context.Background(), kept, "test", 8)
	if err != nil {
		t.Fatal(err)
	}
	if want.Tokens != 14 {
		t.Fatalf("Score counted %d tokens, want 12 + 2 -DOCSTART- rows", want.Tokens)
	}
	if sum.Test == nil || !reflect.DeepEqual(*sum.Test, want) {
		t.Errorf("test metrics %+v, want %+v", sum.Test, want)
	}
	// The dev figures come back through the loop's evaluation (MetricsOf
	// keeps the rates and the token count).
	if d := sum.Valid; d == nil || d.Tokens != want.Tokens || d.Accuracy != want.Accuracy || d.Score.F1 != want.Score.F1 {
		t.Errorf("dev metrics %+v, want tokens, accuracy and F1 of %+v", d, want)
	}
	// A chunk column (CoNLL-2003's third) marks its -DOCSTART- rows "-X-":
	// a marker, not a tag the chunk schemes refuse.
	x := filepath.Join(t.TempDir(), "chunks")
	testutil.WriteFile(t, x, []byte("-DOCSTART- -X-\n\np0 B-NP\nwent B-VP\nl0 B-NP\n"))
	s.ValidFile, s.TestFile = x, x
	if _, err := s.Start(filepath.Join(t.TempDir(), "ck"), false); err != nil {
		t.Errorf("a chunk file with a -DOCSTART- -X- row: %v", err)
	}
}

// TestSetupRefusesNonChunkTags: a chunk scheme learns chunk tags (O and
// B-/I-/E-/S-TYPE); a part-of-speech column ("NN", "VBD") or bare types
// ("PER") hold no chunk by conlleval's rules, so every tag became "O" and
// training reported a loss of 0 on a model with the single tag "O". Such
// tags are refused when a chunk scheme is given, and when detection finds
// them mixed with chunk tags (auto detects plain tags only without any).
func TestSetupRefusesNonChunkTags(t *testing.T) {
	for _, c := range []struct{ in, scheme, want string }{
		{"The DT\ncat NN\nsat VBD\n\nA DT\ndog NN\n", "iob2", ":1: tag \"DT\" is not a chunk tag"},
		{"John PER\nsaw O\nParis LOC\n", "iobes", ":1: tag \"PER\" is not a chunk tag"},
		{"John B-PER\nsaw O\nParis LOC\n", "auto", ":3: tag \"LOC\" is not a chunk tag"},
		{"John B-PER\nSmith L-PER\n", "auto", ":2: tag \"L-PER\" is not a chunk tag"},
		{"John B-PER\nsaw O-X\n", "auto", ":2: tag \"O-X\" is not a chunk tag"},
	} {
		p := filepath.Join(t.TempDir(), "train.txt")
		testutil.WriteFile(t, p, []byte(c.in))
		s := Setup{TrainFile: p, MinCount: 1,
			Model:    Config{WordEmbed: 4, CharEmbed: 3, Cell: "lstm", Hidden: 4, Layers: 1, Scheme: c.scheme, TrainScheme: "iobes"},
			Training: TrainConfig{Config: train.Config{Epochs: 1, Batch: 4, Optimizer: "adam", LR: 0.01, Seed: 1}}}
		_, err := s.Start(filepath.Join(t.TempDir(), "ck"), false)
		if err == nil || !strings.Contains(err.Error(), p+c.want) {
			t.Errorf("%q: err = %v, want %q", c.in, err, p+c.want)
		}
	}
}
