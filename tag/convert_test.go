package tag

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestReencode(t *testing.T) {
	in := "-DOCSTART- X O\n\nAnn NNP I-PER\nLee NNP I-PER\nran VBD O\n\n"
	ss, err := ReadCoNLL(strings.NewReader(in), "in", ReadOptions{KeepDocStart: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := Reencode(ss, "in", 0, "iob1", "iobes"); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := WriteCoNLL(&b, ss, true); err != nil {
		t.Fatal(err)
	}
	if want := "-DOCSTART- X O\n\nAnn NNP B-PER\nLee NNP E-PER\nran VBD O\n\n"; b.String() != want {
		t.Errorf("iob1 -> iobes:\n%s\nwant\n%s", b.String(), want)
	}
	ss, _ = ReadCoNLL(strings.NewReader("a I-PER x\nb B-LOC y\n"), "f", ReadOptions{TagColumn: 1})
	if err := Reencode(ss, "f", 1, "", "iob2"); err != nil || ss[0].Fields[0][1] != "B-PER" || ss[0].Fields[0][2] != "x" {
		t.Errorf("tag column 1: %v %v", ss[0].Fields, err)
	}
	ss, _ = ReadCoNLL(strings.NewReader("a O\nb O\nc I-LOC\n"), "f", ReadOptions{})
	if err := Reencode(ss, "f", 0, "iob2", "iobes"); err == nil || !strings.HasPrefix(err.Error(), "f:3: ") {
		t.Errorf("iob2 violation: %v", err)
	}
	if err := Reencode(ss, "f", 0, "", "bogus"); err == nil || !strings.Contains(err.Error(), `"bogus"`) {
		t.Errorf("bad scheme: %v", err)
	}
}

func TestWriteTaggedAndScoreReport(t *testing.T) {
	tagged := []Tagged{{Tokens: []string{"Ann", "ran"}, Tags: []string{"B-PER", "O"}, Entities: Entities([]string{"Ann", "ran"}, []string{"B-PER", "O"})}}
	var b strings.Builder
	if err := WriteTagged(&b, tagged, nil, false); err != nil || b.String() != "Ann B-PER\nran O\n\n" {
		t.Errorf("rows %q, %v", b.String(), err)
	}
	b.Reset()
	if err := WriteTagged(&b, tagged, nil, true); err != nil || b.String() != `{"tokens":["Ann","ran"],"tags":["B-PER","O"],"entities":[{"type":"PER","start":0,"end":1,"text":"Ann"}]}`+"\n" {
		t.Errorf("json %q, %v", b.String(), err)
	}
	m, err := ScoreSentences([][]string{{"B-PER", "O"}}, [][]string{{"B-PER", "B-LOC"}})
	if err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(m.ScoreReport())
	for _, want := range []string{`"f1":66.66666666666667`, `"gold_phrases":1`, `"found_phrases":2`, `"correct_phrases":1`, `"PER":{"precision":100,"recall":100,"f1":100,"gold":1,"found":1,"correct":1}`} {
		if !strings.Contains(string(js), want) {
			t.Errorf("%s lacks %s", js, want)
		}
	}
	var b1, b2 strings.Builder
	m.ScoreReport().WriteText(&b1)
	m.WriteConlleval(&b2)
	if b1.String() != b2.String() || !strings.HasPrefix(b1.String(), "processed 2 tokens with 1 phrases; found: 2 phrases; correct: 1.") {
		t.Errorf("text %q", b1.String())
	}
}

// TestReencodeNonChunkColumn: converting a column of part-of-speech tags
// (a wrong --tag-column) rewrote every tag as "O" and printed the file.
func TestReencodeNonChunkColumn(t *testing.T) {
	ss, err := ReadCoNLL(strings.NewReader("-DOCSTART- -X- O\n\nAnn NNP B-PER\nran VBD O\n"), "in", ReadOptions{TagColumn: 1, KeepDocStart: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := Reencode(ss, "in", 1, "", "iob2"); err == nil || !strings.Contains(err.Error(), `in:3: tag "NNP" is not a chunk tag`) {
		t.Errorf("err = %v, want in:3: tag \"NNP\" is not a chunk tag; rows %v", err, ss[1].Fields)
	}
}
