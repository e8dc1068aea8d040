package trainer

import (
	"bytes"
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/text"
)

// topics is a corpus of 300 lines that cycle through three topics of six
// words each: line i holds the words t{i%3}w{(i+k)%6} for k = 0..7.
const topics = "testdata/topics.txt"

func small(method string, corpus ...string) Options {
	return Options{Method: method, Corpus: corpus, Dim: 8, Window: 3, MinCount: 1, Epochs: 2, Threads: 1, Seed: 1, Negative: 5}
}

// TestTrain trains every method and checks the vectors, the summary and
// the progress events.
func TestTrain(t *testing.T) {
	for _, method := range []string{"skipgram", "cbow", "glove"} {
		var events []Progress
		v, sum, err := Train(context.Background(), small(method, topics), func(p Progress) { events = append(events, p) })
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
		var buf strings.Builder
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
	content, err := os.ReadFile(topics)
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	for _, method := range []string{"skipgram", "glove"} {
		want, _, err := Train(context.Background(), small(method, topics), nil)
		if err != nil {
			t.Fatal(err)
		}
		opt := small(method, "-")
		opt.Stdin = bytes.NewReader(content)
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
	opt := small("skipgram", "-", topics, "-")
	opt.Stdin = bytes.NewReader(content)
	if _, _, err := Train(context.Background(), opt, nil); err == nil || !strings.Contains(err.Error(), "more than once") {
		t.Errorf("standard input twice: %v", err)
	}
	// An error about standard input names it "-", not its temporary copy.
	for _, method := range []string{"skipgram", "glove"} {
		opt := small(method, "-")
		opt.Stdin = strings.NewReader(" \n\n")
		_, _, err := Train(context.Background(), opt, nil)
		if !errors.Is(err, text.ErrEmptyVocab) || !strings.Contains(err.Error(), "corpus [-]") || strings.Contains(err.Error(), tmp) {
			t.Errorf("%s: empty standard input: %v", method, err)
		}
	}
}

// TestTrainErrors: a vocabulary file replaces counting; bad options fail
// before any work.
// TestDefaultShareNegatives: skip-gram (any spelling) shares negatives by
// default, CBOW and GloVe do not.
func TestDefaultShareNegatives(t *testing.T) {
	for method, want := range map[string]bool{"skipgram": true, "sg": true, "skip-gram": true, "cbow": false, "glove": false, "nope": false} {
		if got := DefaultShareNegatives(method); got != want {
			t.Errorf("DefaultShareNegatives(%q) = %v, want %v", method, got, want)
		}
	}
}

func TestTrainErrors(t *testing.T) {
	const voc = "testdata/topics-vocab.json" // recurrent vectors vocab --min-count 1 --max-vocab 3
	for _, method := range []string{"skipgram", "glove"} {
		opt := small(method, topics)
		opt.Vocab = voc
		got, _, err := Train(context.Background(), opt, nil)
		if err != nil || !slices.Equal(got.Words, []string{"t0w0", "t0w1", "t0w3"}) {
			t.Errorf("%s with a vocabulary file: %v, %v", method, got, err)
		}
	}
	cooc := small("skipgram")
	cooc.Cooccur, cooc.Vocab = []string{"testdata"}, voc
	for name, opt := range map[string]Options{
		"unknown method":     small("nope", topics),
		"missing corpus":     small("cbow", "testdata/missing.txt"),
		"no corpus":          small("cbow"),
		"cooccur not glove":  cooc,
		"missing vocabulary": {Method: "glove", Corpus: []string{topics}, Vocab: "testdata/none.json"},
	} {
		if _, _, err := Train(context.Background(), opt, nil); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := Train(ctx, small("glove", topics), nil); err == nil {
		t.Error("cancelled training succeeded")
	}
	fromStdin := small("cbow", "-")
	fromStdin.Stdin = strings.NewReader("a b c\n")
	if _, _, err := Train(ctx, fromStdin, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled copy of standard input: %v", err)
	}
}
