package text

import (
	"slices"
	"strings"
	"testing"
)

func TestVocabCoverage(t *testing.T) {
	c := NewCounter()
	c.Add(strings.Fields("the the the cat cat sat zyx"))
	v, err := BuildVocab(c, VocabOptions{Specials: []string{UNK, EOS}})
	if err != nil {
		t.Fatal(err)
	}
	if got := v.Words(); !slices.Equal(got, []string{"the", "cat", "sat", "zyx"}) {
		t.Errorf("Words() = %q", got)
	}
	known := map[string]bool{"the": true, "sat": true, UNK: true}
	cov := v.Coverage(func(w string) bool { return known[w] })
	if want := (Coverage{Words: 4, Found: 2, Tokens: 7, TokensFound: 4}); cov != want {
		t.Errorf("Coverage = %+v, want %+v", cov, want)
	}
	if cov.Rate() != 0.5 || cov.TokenRate() != 4.0/7 {
		t.Errorf("rates %v %v", cov.Rate(), cov.TokenRate())
	}
	if (Coverage{}).Rate() != 0 {
		t.Error("empty coverage rate")
	}
}
