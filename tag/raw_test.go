package tag

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

func TestTokenize(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"EU rejects German call to boycott British lamb.", "EU|rejects|German|call|to|boycott|British|lamb|."},
		{`Peter Blackburn said: "It's the U.S. economy, 3.5% up."`, `Peter|Blackburn|said|:|"|It|'s|the|U.S.|economy|,|3.5|%|up|.|"`},
		{"  (Germany's O'Neill don't)  ", "(|Germany|'s|O'Neill|do|n't|)"},
		{"J. Smith of AT&T paid $1,000 on 12-08-1996 to the Jones' firm?!", "J.|Smith|of|AT&T|paid|$|1,000|on|12-08-1996|to|the|Jones|'|firm|?|!"},
		{"Growth was 3.5. In the U.S. and e.g. Acme Inc. too, said Mr. Smith.", "Growth|was|3.5|.|In|the|U.S.|and|e.g.|Acme|Inc.|too|,|said|Mr.|Smith|."},
		{"", ""},
	} {
		toks := Tokenize(tc.in)
		var got []string
		for _, tok := range toks {
			got = append(got, tok.Text)
			if tc.in[tok.Start:tok.End] != tok.Text {
				t.Errorf("%q: token %q has offsets %d:%d = %q", tc.in, tok.Text, tok.Start, tok.End, tc.in[tok.Start:tok.End])
			}
		}
		if s := strings.Join(got, "|"); s != tc.want {
			t.Errorf("Tokenize(%q)\n got %s\nwant %s", tc.in, s, tc.want)
		}
	}
}

func TestReadUntagged(t *testing.T) {
	in := "-DOCSTART-\n\nEU\nrejects\nGerman\n\nPeter\n"
	if _, err := ReadCoNLL(strings.NewReader(in), "x", ReadOptions{}); err == nil || !strings.Contains(err.Error(), "at least 2 columns") {
		t.Errorf("one column without Untagged: err = %v", err)
	}
	ss, err := ReadCoNLL(strings.NewReader(in), "x", ReadOptions{Untagged: true, KeepDocStart: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) != 3 || !slices.Equal(ss[1].Tokens, []string{"EU", "rejects", "German"}) || ss[1].Tags != nil || ss[2].Line != 7 || ss[0].Tags[0] != "O" {
		t.Fatalf("sentences %+v", ss)
	}
	var b bytes.Buffer
	if err := WritePredicted(&b, ss, [][]string{{"O"}, {"B-ORG", "O", "B-MISC"}, {"B-PER"}}); err != nil {
		t.Fatal(err)
	}
	if want := "-DOCSTART- O\n\nEU B-ORG\nrejects O\nGerman B-MISC\n\nPeter B-PER\n\n"; b.String() != want {
		t.Errorf("WritePredicted:\n%q\nwant\n%q", b.String(), want)
	}
}

// TestWritePredictedAligned: the rows written for a column file line up
// with the file's rows, whatever its blank lines (leading, several in a
// row, none after -DOCSTART-), so that paste in.conll out.conll works.
func TestWritePredictedAligned(t *testing.T) {
	in := "\n\n-DOCSTART- -X- O\nEU NNP B-ORG\nrejects VBZ O\n\n\n\nPeter NNP B-PER\n\n-DOCSTART- -X- O\n\nLondon NNP B-LOC"
	ss, err := ReadCoNLL(strings.NewReader(in), "x", ReadOptions{KeepDocStart: true})
	if err != nil {
		t.Fatal(err)
	}
	var pred [][]string
	for _, s := range ss {
		pred = append(pred, s.Tags)
	}
	var b bytes.Buffer
	if err := WritePredicted(&b, ss, pred); err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	want := strings.Split(in, "\n")
	if len(got) != len(want)+1 || got[len(got)-1] != "" {
		t.Fatalf("%d rows for %d (and a closing blank line):\n%s", len(got), len(want), b.String())
	}
	for i, w := range want {
		if f := strings.Fields(w); (len(f) == 0) != (got[i] == "") || len(f) > 0 && got[i] != w+" "+f[len(f)-1] {
			t.Errorf("row %d: %q for %q", i+1, got[i], w)
		}
	}
}

func TestEntities(t *testing.T) {
	toks := []string{"Peter", "Blackburn", "of", "the", "European", "Commission", "."}
	got := Entities(toks, []string{"B-PER", "I-PER", "O", "O", "B-ORG", "I-ORG", "O"})
	want := []Entity{{"PER", 0, 2, "Peter Blackburn"}, {"ORG", 4, 6, "European Commission"}}
	if !slices.Equal(got, want) {
		t.Errorf("Entities = %+v, want %+v", got, want)
	}
}
