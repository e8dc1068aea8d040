package seq2seq

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestReadPairs(t *testing.T) {
	cases := []struct {
		name, in string
		want     []Pair
		wantErr  string
	}{
		{name: "basic", in: "3 May 1979\t1979-05-03\r\n\nJUNE 1 2002\t2002-06-01\n",
			want: []Pair{{"3 May 1979", "1979-05-03"}, {"JUNE 1 2002", "2002-06-01"}}},
		{name: "empty target", in: "a\t\n", want: []Pair{{"a", ""}}},
		{name: "no tab", in: "a\tb\nno tab here\n", wantErr: "f.tsv:2: expected source<TAB>target, found no TAB"},
		{name: "two tabs", in: "a\tb\tc\n", wantErr: "f.tsv:1: expected source<TAB>target, found more than one TAB"},
		// Named by its line, not as "pair 2" (the blank line is not a pair).
		{name: "empty source", in: "a\tb\n\n \tc\n", wantErr: "f.tsv:3: empty source"},
		{name: "no source", in: "\tc\n", wantErr: "f.tsv:1: empty source"},
		{name: "empty", in: "", want: nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ReadPairs(strings.NewReader(c.in), "f.tsv")
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %v, %v want %v", got, err, c.want)
			}
		})
	}
}

func TestPairsRoundTrip(t *testing.T) {
	pairs := []Pair{{"Tuesday, April 7, 1998", "1998-04-07"}, {"5/30/68", "1968-05-30"}}
	var b bytes.Buffer
	if err := WritePairs(&b, pairs); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "p.tsv")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ReadPairsFile(path)
	if err != nil || !reflect.DeepEqual(got, pairs) {
		t.Errorf("got %v, %v", got, err)
	}
	lines, err := ReadLines(path)
	if err != nil || len(lines) != 2 || lines[1] != "5/30/68\t1968-05-30" {
		t.Errorf("ReadLines: %q, %v", lines, err)
	}
	if err := WritePairs(&b, []Pair{{"a\tb", "c"}}); err == nil {
		t.Error("want error for TAB in source")
	}
	if _, err := ReadPairsFile(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("want error for missing file")
	}
}
