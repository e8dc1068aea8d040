package seq2seq

import "testing"

func TestParseAttentionRoundTrip(t *testing.T) {
	for s, want := range map[string]Attention{"none": AttentionNone, "": AttentionNone, "bahdanau": AttentionBahdanau,
		"additive": AttentionBahdanau, "dot": AttentionDot, "general": AttentionGeneral, "bilinear": AttentionGeneral} {
		a, err := ParseAttention(s)
		if err != nil || a != want {
			t.Errorf("ParseAttention(%q) = %v, %v; want %v", s, a, err, want)
		}
		if back, err := ParseAttention(a.String()); err != nil || back != a {
			t.Errorf("ParseAttention(%v.String()) = %v, %v", a, back, err)
		}
	}
	if _, err := ParseAttention("luong"); err == nil {
		t.Errorf("ParseAttention(luong): nil error")
	}
	if got := Attention(9).String(); got != "Attention(9)" {
		t.Errorf("Attention(9).String() = %q", got)
	}
}
