package enum

import "testing"

type color int

var colors = Names[color]{Pkg: "paint", What: "color", Type: "color",
	Names: []string{"red", "green", "blue"}, Aliases: map[string]color{"": 0, "verdant": 1}}

func TestString(t *testing.T) {
	for v, want := range map[color]string{0: "red", 2: "blue", 3: "color(3)", -1: "color(-1)"} {
		if got := colors.String(v); got != want {
			t.Errorf("String(%d) = %q, want %q", int(v), got, want)
		}
	}
}

func TestParse(t *testing.T) {
	for s, want := range map[string]color{"red": 0, "green": 1, "blue": 2, "": 0, "verdant": 1} {
		if got, err := colors.Parse(s); err != nil || got != want {
			t.Errorf("Parse(%q) = %d, %v; want %d", s, int(got), err, int(want))
		}
	}
	_, err := colors.Parse("Blue")
	if want := `paint: unknown color "Blue" (want red, green or blue)`; err == nil || err.Error() != want {
		t.Errorf("Parse(Blue) without Fold: %v, want %s", err, want)
	}
	folded := colors
	folded.Fold = true
	if got, err := folded.Parse("BLUE"); err != nil || got != 2 {
		t.Errorf("Parse(BLUE) with Fold = %d, %v; want 2", int(got), err)
	}
}

func TestWant(t *testing.T) {
	for want, names := range map[string][]string{"": nil, "a": {"a"}, "a or b": {"a", "b"}, "a, b or c": {"a", "b", "c"}} {
		n := Names[color]{Names: names}
		if got := n.want(); got != want {
			t.Errorf("want() of %v = %q, want %q", names, got, want)
		}
	}
}
