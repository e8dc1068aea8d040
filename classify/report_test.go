package classify

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/text"
)

func TestReadStatsWriteText(t *testing.T) {
	s, err := ReadStats(strings.NewReader("pos\tgood film\nneg\tbad\npos\tfine one here\n"), "in.tsv", text.FormatAuto)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	s.WriteText(&b)
	if want := "in.tsv: format tsv, 3 examples, 2.0 words/example, 2 labels\n  neg               1\n  pos               2\n"; b.String() != want {
		t.Errorf("text %q, want %q", b.String(), want)
	}
	js, _ := json.Marshal(s)
	if want := `{"file":"in.tsv","format":"tsv","examples":3,"words_per_example":2,"labels":["neg","pos"],"counts":{"neg":1,"pos":2}}`; string(js) != want {
		t.Errorf("json %s, want %s", js, want)
	}
}

func TestScorePredictions(t *testing.T) {
	ex := []Example{{Label: "a"}, {Label: "b"}, {Label: "a"}}
	r, err := ScorePredictions(ex, "gold", []string{"a", "a", "a"}, "pred")
	if err != nil || r.N != 3 || r.Accuracy != 2.0/3 {
		t.Errorf("report %+v, %v", r, err)
	}
	if _, err := ScorePredictions(ex, "gold", []string{"a"}, "pred"); err == nil || err.Error() != "gold has 3 examples but pred has 1 non-empty lines" {
		t.Errorf("count mismatch: %v", err)
	}
}

func TestPredictLines(t *testing.T) {
	ex := []Example{{Label: "neg", Text: "bad"}, {Label: "pos", Text: "good"}}
	m, err := Build(ex, Config{Arch: ArchAverage, Embed: 4, Tokenizer: text.Tokenizer{Mode: text.Whitespace}}, VocabOptions{}, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	m.SetTraining(false)
	preds, err := m.PredictLines(context.Background(), []string{"good", "bad x"}, 8)
	if err != nil || len(preds) != 2 || preds[1].Text != "bad x" {
		t.Fatalf("%+v, %v", preds, err)
	}
	p := preds[0]
	if s := p.Probabilities["neg"] + p.Probabilities["pos"]; s < 0.999 || s > 1.001 {
		t.Errorf("probabilities %v", p.Probabilities)
	}
	var b strings.Builder
	if err := WritePredictions(&b, preds[:1], false); err != nil || !strings.HasPrefix(b.String(), p.Label+"\tneg=") || !strings.Contains(b.String(), " pos=") {
		t.Errorf("text %q, %v", b.String(), err)
	}
	b.Reset()
	WritePredictions(&b, preds[:1], true)
	if !strings.HasPrefix(b.String(), `{"label":"`+p.Label+`","probabilities":{"neg":`) || !strings.HasSuffix(b.String(), `"text":"good"}`+"\n") {
		t.Errorf("json %q", b.String())
	}
}

// TestScorePredictOutput: classify predict writes "label<TAB>a=0.9 b=0.1";
// scoring that output took the whole line for the label, so every
// prediction was wrong and the report listed each line as a class.
func TestScorePredictOutput(t *testing.T) {
	ex := []Example{{Label: "pos"}, {Label: "neg"}, {Label: "pos"}, {Label: "neg"}}
	pred := []string{"neg\tneg=0.5591 pos=0.4409", "neg\tneg=0.5680 pos=0.4320", "pos\tneg=0.1 pos=0.9", "neg\tneg=0.5942 pos=0.4058"}
	r, err := ScorePredictions(ex, "gold", pred, "pred")
	if err != nil || r.Correct != 3 || r.N != 4 {
		t.Errorf("report correct %d of %d, %v; want 3 of 4", r.Correct, r.N, err)
	}
}
