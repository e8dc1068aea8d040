package vectors

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"os"
	"strings"
	"unicode"

	"github.com/recurrent-go/recurrent/tensor"
	"github.com/recurrent-go/recurrent/text"
)

// DebiasLists are the word lists of Bolukbasi et al. (2016).
type DebiasLists struct {
	// Definitional pairs (woman, man), ... define the bias direction.
	Definitional [][2]string
	// Equalize pairs are made to differ only along the bias direction.
	Equalize [][2]string
	// GenderSpecific words keep their bias component.
	GenderSpecific []string
	// Professions are the gender-neutral words direct bias is measured on.
	Professions []string
}

// LoadDebiasLists reads definitional_pairs.json, equalize_pairs.json,
// gender_specific_full.json (or gender_specific_seed.json when seed is set)
// and professions.json (entries [word, definitional, stereotypical]) from
// dir, the layout of the debiaswe repository's data folder.
func LoadDebiasLists(dir string, seed bool) (*DebiasLists, error) {
	l, err := LoadDebiasListsFS(os.DirFS(dir), seed)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	return l, nil
}

// LoadDebiasListsFS reads the lists of LoadDebiasLists from the root of fsys.
func LoadDebiasListsFS(fsys fs.FS, seed bool) (*DebiasLists, error) {
	l := &DebiasLists{}
	readJSON := func(name string, dst any) error {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return fmt.Errorf("debias lists: %w", err)
		}
		// A byte-order mark is no JSON, but editors write one.
		if err := json.Unmarshal(bytes.TrimPrefix(b, []byte(text.BOM)), dst); err != nil {
			return fmt.Errorf("debias lists: %s: %w", name, err)
		}
		return nil
	}
	var def, eq [][]string
	if err := readJSON("definitional_pairs.json", &def); err != nil {
		return nil, err
	}
	if err := readJSON("equalize_pairs.json", &eq); err != nil {
		return nil, err
	}
	for _, p := range [][2]any{{"definitional_pairs.json", def}, {"equalize_pairs.json", eq}} {
		for i, pair := range p[1].([][]string) {
			if len(pair) != 2 {
				return nil, fmt.Errorf("debias lists: %s: entry %d has %d words, expected a pair", p[0].(string), i+1, len(pair))
			}
		}
	}
	for _, pair := range def {
		l.Definitional = append(l.Definitional, [2]string{pair[0], pair[1]})
	}
	for _, pair := range eq {
		l.Equalize = append(l.Equalize, [2]string{pair[0], pair[1]})
	}
	specific := "gender_specific_full.json"
	if seed {
		specific = "gender_specific_seed.json"
	}
	if err := readJSON(specific, &l.GenderSpecific); err != nil {
		return nil, err
	}
	var prof [][]any
	if err := readJSON("professions.json", &prof); err != nil {
		return nil, err
	}
	for i, p := range prof {
		var s string
		ok := len(p) > 0
		if ok {
			s, ok = p[0].(string)
		}
		if !ok {
			return nil, fmt.Errorf("debias lists: %s: entry %d does not start with a word", "professions.json", i+1)
		}
		l.Professions = append(l.Professions, s)
	}
	return l, nil
}

// DebiasOptions configures Debias.
type DebiasOptions struct {
	// Restrict neutralizes only the first Restrict words (0: all).
	Restrict int
	// Components is the number of principal components to report the
	// explained variance of (default 10, as the original code).
	Components int
}

// DebiasReport describes a Debias run.
type DebiasReport struct {
	Direction []float32 // unit bias direction g
	// Explained is the share of variance of the definitional differences
	// explained by each principal component (the first is g).
	Explained []float64
	// DefinitionalUsed counts the definitional pairs found in the vocabulary.
	DefinitionalUsed int
	// Neutralized counts the words whose g component was removed.
	Neutralized int
	// Equalized counts the (case-variant) pairs equalized.
	Equalized int
	// ProfessionsFound counts the professions found in the vocabulary.
	ProfessionsFound int
	// DirectBiasBefore and DirectBiasAfter are mean |cos(w, g)| over the
	// professions (DirectBias with c = 1).
	DirectBiasBefore, DirectBiasAfter float64
}

// Debias removes the gender (or other) bias direction from v after
// Bolukbasi et al. (2016), "hard debiasing": the direction g is the first
// principal component of the definitional pairs' differences from their
// centers (computed on unit vectors); every word among the first Restrict
// that is not gender-specific loses its g component; each equalize pair (in
// lower-case, title-case and upper-case variants, as the original code does)
// is moved to be symmetric about the g-orthogonal subspace; all vectors are
// unit length afterwards. v is not modified. Words of the definitional pairs
// and professions missing from v are looked up ignoring case.
func Debias(v *Vectors, lists *DebiasLists, opt DebiasOptions) (*Vectors, *DebiasReport, error) {
	if err := v.check(); err != nil {
		return nil, nil, err
	}
	x := NewIndex(v).IgnoreCase()
	rep := &DebiasReport{}
	g, err := rep.direction(x, lists.Definitional, opt.Components)
	if err != nil {
		return nil, nil, err
	}
	rep.DirectBiasBefore, rep.ProfessionsFound = directBias(x, g, lists.Professions)

	out := &Vectors{Words: append([]string(nil), v.Words...), Dim: v.Dim, Data: append([]float32(nil), x.Unit...)}
	specific := make(map[string]bool, len(lists.GenderSpecific))
	for _, w := range lists.GenderSpecific {
		specific[w] = true
	}
	r := x.restrictN(opt.Restrict)
	for i := 0; i < r; i++ {
		if specific[out.Words[i]] {
			continue
		}
		Neutralize(out.Vec(i), g)
		normalize(out.Vec(i))
		rep.Neutralized++
	}
	rep.Equalized = equalizePairs(out, lists.Equalize, g)
	for i := range out.Words {
		normalize(out.Vec(i))
	}
	after := NewIndex(out).IgnoreCase()
	rep.DirectBiasAfter, _ = directBias(after, g, lists.Professions)
	return out, rep, nil
}

// direction returns the unit bias direction g, the first of nc (default
// 10) principal components of the differences of the definitional pairs'
// unit vectors from their centers, and records it, the variance each
// component explains and the pairs used in r.
func (r *DebiasReport) direction(x *Index, pairs [][2]string, nc int) ([]float32, error) {
	d := x.V.Dim
	var rows []float32 // a - center and b - center of each pair
	for _, p := range pairs {
		ia, okA := x.Lookup(p[0])
		ib, okB := x.Lookup(p[1])
		if !okA || !okB {
			continue
		}
		r.DefinitionalUsed++
		ua, ub := x.UnitVec(ia), x.UnitVec(ib)
		for _, u := range [][]float32{ua, ub} {
			for j := 0; j < d; j++ {
				rows = append(rows, u[j]-(ua[j]+ub[j])/2)
			}
		}
	}
	if r.DefinitionalUsed == 0 {
		return nil, fmt.Errorf("debias: none of the %d definitional pairs is in the vocabulary", len(pairs))
	}
	if nc <= 0 {
		nc = 10
	}
	comps, vars, err := PCA(rows, len(rows)/d, d, min(nc, d))
	if err != nil {
		return nil, fmt.Errorf("debias: %w", err)
	}
	g := comps[:d:d]
	normalize(g)
	r.Direction = append([]float32(nil), g...)
	var total float64
	for _, s := range vars {
		total += s
	}
	for _, s := range vars {
		if total > 0 {
			r.Explained = append(r.Explained, s/total)
		} else {
			r.Explained = append(r.Explained, 0)
		}
	}
	return g, nil
}

// equalizePairs equalizes the pairs found in out (exact lookup only, like
// the original code), each in lower-case, title-case and upper-case, and
// returns how many it equalized.
func equalizePairs(out *Vectors, pairs [][2]string, g []float32) int {
	x := NewIndex(out)
	seen := map[[2]string]bool{}
	n := 0
	for _, p := range pairs {
		for _, c := range [][2]string{
			{strings.ToLower(p[0]), strings.ToLower(p[1])},
			{pyTitle(p[0]), pyTitle(p[1])},
			{strings.ToUpper(p[0]), strings.ToUpper(p[1])},
		} {
			if seen[c] {
				continue
			}
			seen[c] = true
			ia, okA := x.exact[c[0]]
			ib, okB := x.exact[c[1]]
			if !okA || !okB || ia == ib {
				continue
			}
			Equalize(out.Vec(ia), out.Vec(ib), g)
			n++
		}
	}
	return n
}

// Neutralize removes from u its component along the unit vector g:
// u -= (u·g) g.
func Neutralize(u, g []float32) {
	tensor.Axpy(-tensor.Dot(u, g), g, u)
}

// Equalize makes the unit vectors a and b differ only along the unit
// direction g: both get the g-free part y of their mean and ±z g with
// z = sqrt(1 - |y|²), keeping the side each was on, so both stay unit
// length and every g-orthogonal vector is equidistant from them.
func Equalize(a, b, g []float32) {
	d := len(g)
	y := make([]float32, d)
	for j := range y {
		y[j] = (a[j] + b[j]) / 2
	}
	Neutralize(y, g)
	z := float32(math.Sqrt(max(0, 1-tensor.SumSquares(y))))
	var diff float32
	for j := range g {
		diff += (a[j] - b[j]) * g[j]
	}
	if diff < 0 {
		z = -z
	}
	for j := range y {
		a[j] = z*g[j] + y[j]
		b[j] = -z*g[j] + y[j]
	}
}

// DirectBias returns the mean |cos(w, g)| over the words of x found (ignoring
// case if x does), DirectBias with c = 1 of Bolukbasi et al., and how many
// were found.
func DirectBias(x *Index, g []float32, words []string) (float64, int) {
	return directBias(x, g, words)
}

func directBias(x *Index, g []float32, words []string) (float64, int) {
	gu := append([]float32(nil), g...)
	normalize(gu)
	var sum float64
	n := 0
	seen := map[int]bool{}
	for _, w := range words {
		i, ok := x.Lookup(w)
		if !ok || seen[i] {
			continue
		}
		seen[i] = true
		sum += math.Abs(float64(tensor.Dot(x.UnitVec(i), gu)))
		n++
	}
	if n == 0 {
		return math.NaN(), 0
	}
	return sum / float64(n), n
}

// pyTitle mimics Python's str.title: a cased letter is upper-cased when it
// follows a non-cased character and lower-cased otherwise.
func pyTitle(s string) string {
	var b strings.Builder
	prevCased := false
	for _, r := range s {
		cased := unicode.IsUpper(r) || unicode.IsLower(r) || unicode.IsTitle(r)
		if cased {
			if prevCased {
				r = unicode.ToLower(r)
			} else {
				r = unicode.ToTitle(r)
			}
		}
		prevCased = cased
		b.WriteRune(r)
	}
	return b.String()
}
