package classify

import (
	"bytes"
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestEvaluate(t *testing.T) {
	// 3 classes, 8 examples.
	gold := []int{0, 0, 0, 1, 1, 2, 2, 2}
	pred := []int{0, 0, 1, 1, 2, 2, 2, 0}
	r, err := Evaluate(gold, pred, []string{"a", "b", "c"})
	if err != nil {
		t.Fatal(err)
	}
	wantConf := [][]int{{2, 1, 0}, {0, 1, 1}, {1, 0, 2}}
	if !reflect.DeepEqual(r.Confusion, wantConf) {
		t.Errorf("confusion %v want %v", r.Confusion, wantConf)
	}
	if r.Correct != 5 || r.Accuracy != 5.0/8 {
		t.Errorf("accuracy %d %v", r.Correct, r.Accuracy)
	}
	// a: tp 2, predicted 3, support 3 -> P 2/3 R 2/3 F 2/3
	// b: tp 1, predicted 2, support 2 -> P 1/2 R 1/2 F 1/2
	// c: tp 2, predicted 3, support 3 -> P 2/3 R 2/3 F 2/3
	want := []ClassScore{
		{"a", 2.0 / 3, 2.0 / 3, 2.0 / 3, 3, 3},
		{"b", 0.5, 0.5, 0.5, 2, 2},
		{"c", 2.0 / 3, 2.0 / 3, 2.0 / 3, 3, 3},
	}
	for i, w := range want {
		g := r.PerClass[i]
		if g.Label != w.Label || g.Support != w.Support || g.Predicted != w.Predicted ||
			math.Abs(g.Precision-w.Precision) > 1e-12 || math.Abs(g.Recall-w.Recall) > 1e-12 || math.Abs(g.F1-w.F1) > 1e-12 {
			t.Errorf("class %d: %+v want %+v", i, g, w)
		}
	}
	macro := (2.0/3 + 0.5 + 2.0/3) / 3
	if math.Abs(r.MacroF1-macro) > 1e-12 || math.Abs(r.MacroPrecision-macro) > 1e-12 {
		t.Errorf("macro F1 %v want %v", r.MacroF1, macro)
	}
	if w := (2.0/3*3 + 0.5*2 + 2.0/3*3) / 8; math.Abs(r.WeightedF1-w) > 1e-12 {
		t.Errorf("weighted F1 %v want %v", r.WeightedF1, w)
	}
}

func TestEvaluateEdgeCases(t *testing.T) {
	// Class "c" never occurs: it is left out of the macro average. Class
	// "b" is only predicted: precision 0, recall 0.
	r, err := Evaluate([]int{0, 0}, []int{0, 1}, []string{"a", "b", "c"})
	if err != nil {
		t.Fatal(err)
	}
	// a: P 1, R 1/2, F 2/3; b: 0 0 0.
	if math.Abs(r.MacroF1-(2.0/3)/2) > 1e-12 || math.Abs(r.MacroRecall-0.25) > 1e-12 {
		t.Errorf("macro %v %v", r.MacroF1, r.MacroRecall)
	}
	if r.PerClass[1].Precision != 0 || r.PerClass[2].Support != 0 {
		t.Errorf("per class %+v", r.PerClass)
	}
	if r, err := Evaluate(nil, nil, []string{"a"}); err != nil || r.Accuracy != 0 || r.MacroF1 != 0 {
		t.Errorf("empty: %+v %v", r, err)
	}
	if _, err := Evaluate([]int{0}, []int{}, []string{"a"}); err == nil {
		t.Error("want length error")
	}
	if _, err := Evaluate([]int{0}, []int{3}, []string{"a"}); err == nil {
		t.Error("want range error")
	}
}

func TestEvaluateLabels(t *testing.T) {
	m := NewLabelMap([]string{"neg", "pos"}, Sorted)
	r, err := EvaluateLabels([]string{"pos", "neg", "pos"}, []string{"pos", "pos", "pos"}, m)
	if err != nil {
		t.Fatal(err)
	}
	if r.Correct != 2 || r.PerClass[1].Precision != 2.0/3 || r.PerClass[0].Recall != 0 {
		t.Errorf("%+v", r)
	}
	if _, err := EvaluateLabels([]string{"x"}, []string{"pos"}, m); err == nil {
		t.Error("want unknown gold label error")
	}
	if _, err := EvaluateLabels([]string{"pos"}, []string{"y"}, m); err == nil {
		t.Error("want unknown predicted label error")
	}
	var b bytes.Buffer
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"accuracy: 0.6667 (2/3)", "pos", "macro avg", "confusion"} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("report lacks %q:\n%s", s, b.String())
		}
	}
}
