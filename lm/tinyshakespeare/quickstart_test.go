package tinyshakespeare

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestVocab(t *testing.T) {
	v, err := Vocab()
	if err != nil || v.Len() != 65 {
		t.Fatalf("Vocab: %d characters, %v; want 65", v.Len(), err)
	}
	if v.Token(0) != " " {
		t.Errorf("most frequent character %q, want a space", v.Token(0))
	}
}

// TestQuickstartResume trains briefly, then resumes the checkpoint: the
// resumed trainer starts where the first stopped.
func TestQuickstartResume(t *testing.T) {
	if testing.Short() {
		t.Skip("encodes the corpus and trains")
	}
	dir := filepath.Join(t.TempDir(), "nested", "qs")
	q, err := NewQuickstart(QuickstartOptions{Dir: dir, Duration: 200 * time.Millisecond, Hidden: 8, Layers: 1, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	if q.Vocab != 65 || q.TrainChars+q.ValidChars != len(Text)+1 || // the training part gains a final "\n"
		q.Model.Config.Hidden != 8 || q.Dir != dir {
		t.Errorf("quickstart: vocab %d, %d+%d characters of %d, hidden %d, dir %q", q.Vocab, q.TrainChars, q.ValidChars, len(Text), q.Model.Config.Hidden, q.Dir)
	}
	if !strings.HasPrefix(q.Intro(), "tiny-shakespeare: ") || !strings.HasSuffix(q.Intro(), "65 distinct; training for 200ms") {
		t.Errorf("Intro() = %q", q.Intro())
	}
	if _, err := q.Run(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	var samples strings.Builder
	if err := q.WriteSamples(context.Background(), &samples, 2, 30); err != nil {
		t.Fatal(err)
	}
	if parts := strings.Split(samples.String(), "\n----\n"); len(parts) != 2 || len([]rune(parts[0])) < 30 {
		t.Errorf("WriteSamples(2 of 30 characters) wrote %q: want two samples of 30 characters separated by a ---- line", samples.String())
	}
	if o := q.Outro(); !strings.Contains(o, "lm sample --model \""+dir+"\"") || !strings.Contains(o, "quickstart --resume --out \""+dir+"\"") || strings.Count(o, "\n") != 3 {
		t.Errorf("Outro() = %q: want three lines naming %s", o, dir)
	}
	r, err := NewQuickstart(QuickstartOptions{Dir: dir, Duration: time.Second, Resume: true})
	if err != nil {
		t.Fatal(err)
	}
	if r.Pos() != q.Pos() || r.Config.TimeLimit != time.Second || r.Model.Config.Hidden != 8 {
		t.Errorf("resumed at %+v (time limit %v, hidden %d), want %+v", r.Pos(), r.Config.TimeLimit, r.Model.Config.Hidden, q.Pos())
	}
	if _, err := NewQuickstart(QuickstartOptions{Dir: filepath.Join(t.TempDir(), "none"), Resume: true}); err == nil {
		t.Errorf("resuming without a checkpoint: nil error")
	}
}
