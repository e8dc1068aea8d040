package trainer

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/text"
)

// corpus writes 300 lines of three topics of six words each.
func corpus(t *testing.T) (path, content string) {
	t.Helper()
	var sb strings.Builder
	for i := range 300 {
		for k := range 8 {
			fmt.Fprintf(&sb, "t%dw%d ", i%3, (i+k)%6)
		}
		sb.WriteString("\n")
	}
	path = filepath.Join(t.TempDir(), "corpus.txt")
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, sb.String()
}

func small(method string, corpus ...string) Options {
	return Options{Method: method, Corpus: corpus, Dim: 8, Window: 3, MinCount: 1, Epochs: 2, Threads: 1, Seed: 1, Negative: 5}
}

// TestTrain trains every method and checks the vectors, the summary and
// the progress events.
func TestTrain(t *testing.T) {
	path, _ := corpus(t)
	for _, method := range []string{"skipgram", "cbow", "glove"} {
		var events []Progress
		v, sum, err := Train(context.Background(), small(method, path), func(p Progress) { events = append(events, p) })
		if err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		if v.Len() != 18 || v.Dim != 8 {
			t.Errorf("%s: %d vectors of dim %d, want 18 x 8", method, v.Len(), v.Dim)
		}
		if sum.Method != method || sum.Words != 2400 || sum.VocabSize != 18 || sum.WordsPerSec <= 0 || sum.Loss <= 0 || (method == "glove") != (sum.Pairs > 0) {
			t.Errorf("%s: summary %+v", method, sum)
		}
		last := events[len(events)-1]
		if last.Stage != "train" || last.Done != last.Total || last.Total <= 0 {
			t.Errorf("%s: last event %+v", method, last)
		}
		want := map[bool]string{true: "iteration 2/2  cost ", false: "epoch 2/2  "}[method == "glove"]
		if !strings.HasPrefix(last.String(), want) {
			t.Errorf("%s: event text %q, want prefix %q", method, last.String(), want)
		}
		sum.Out = "v.txt"
		var buf bytes.Buffer
		if err := sum.WriteText(&buf); err != nil || !strings.HasPrefix(buf.String(), method+": 2400 words, vocabulary 18, ") || !strings.HasSuffix(buf.String(), " -> v.txt\n") {
			t.Errorf("%s: text %q", method, buf.String())
		}
	}
	if s := (Progress{Stage: "cooccur", Done: 1500000, Total: -1}).String(); s != "cooccur 1.50M tokens" {
		t.Errorf("GloVe counting event %q", s)
	}
}

// TestTrainStdin: a corpus from standard input trains the same vectors as
// the same file (one thread: deterministic), and its temporary copy is
// removed.
func TestTrainStdin(t *testing.T) {
	path, content := corpus(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	for _, method := range []string{"skipgram", "glove"} {
		want, _, err := Train(context.Background(), small(method, path), nil)
		if err != nil {
			t.Fatal(err)
		}
		opt := small(method, "-")
		opt.Stdin = strings.NewReader(content)
		got, sum, err := Train(context.Background(), opt, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.Words, want.Words) || !slices.Equal(got.Data, want.Data) || sum.Words != 2400 {
			t.Errorf("%s: vectors from standard input differ from the file's", method)
		}
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	opt := small("skipgram", "-", path, "-")
	opt.Stdin = strings.NewReader(content)
	if _, _, err := Train(context.Background(), opt, nil); err == nil || !strings.Contains(err.Error(), "more than once") {
		t.Errorf("standard input twice: %v", err)
	}
}

// TestTrainErrors: bad options fail before any work, naming what is wrong.
func TestTrainErrors(t *testing.T) {
	path, _ := corpus(t)
	dir := t.TempDir()
	voc := filepath.Join(dir, "vocab.json")
	v, err := text.NewVocab([]string{"t0w1", "t1w2"}, []int64{9, 8}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := text.SaveVocab(voc, v); err != nil {
		t.Fatal(err)
	}
	withVocab := small("skipgram", path)
	withVocab.Vocab = voc
	got, _, err := Train(context.Background(), withVocab, nil)
	if err != nil || !slices.Equal(got.Words, []string{"t0w1", "t1w2"}) {
		t.Errorf("with a vocabulary file: %v, %v", got, err)
	}
	cooc := small("skipgram")
	cooc.Cooccur, cooc.Vocab = []string{dir}, voc
	for name, opt := range map[string]Options{
		"unknown method":     small("nope", path),
		"missing corpus":     small("cbow", filepath.Join(dir, "missing.txt")),
		"no corpus":          small("cbow"),
		"cooccur not glove":  cooc,
		"missing vocabulary": {Method: "glove", Corpus: []string{path}, Vocab: filepath.Join(dir, "none.json")},
	} {
		if _, _, err := Train(context.Background(), opt, nil); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := Train(ctx, small("glove", path), nil); err == nil {
		t.Error("cancelled training succeeded")
	}
}
