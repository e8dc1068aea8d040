package vectors

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/recurrent-go/recurrent/tensor"
)

func TestPCA(t *testing.T) {
	// Points spread along (3, 4)/5 with small noise along (-4, 3)/5, plus an
	// offset the centering must remove.
	rng := rand.New(rand.NewPCG(1, 1))
	n := 200
	data := make([]float32, 0, 2*n)
	for i := 0; i < n; i++ {
		a, b := rng.NormFloat64()*3, rng.NormFloat64()*0.1
		data = append(data, float32(10+a*0.6-b*0.8), float32(-5+a*0.8+b*0.6))
	}
	comps, vars, err := PCA(data, n, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(float64(comps[0])-0.6) > 0.01 || math.Abs(float64(comps[1])-0.8) > 0.01 {
		t.Fatalf("first component %v, want (0.6, 0.8)", comps[:2])
	}
	if d := float64(comps[0]*comps[2] + comps[1]*comps[3]); math.Abs(d) > 1e-6 {
		t.Fatalf("components not orthogonal: %v", d)
	}
	if vars[0] < 7 || vars[0] > 11 || vars[1] > 0.02 {
		t.Fatalf("variances %v, want about 9 and 0.01", vars)
	}
	if _, _, err := PCA(data, n, 2, 3); err == nil {
		t.Fatal("3 components of 2-d data accepted")
	}
}

// biasedVectors builds vectors where dimension 0 is gender: definitional
// pairs differ along it (with noise), neutral words lean on it.
func biasedVectors() (*Vectors, *DebiasLists) {
	rng := rand.New(rand.NewPCG(9, 9))
	d := 16
	v := &Vectors{Dim: d}
	// add appends w = base + noise with gender on dimension 0.
	add := func(w string, gender float64, base []float64, noise float64) {
		v.Words = append(v.Words, w)
		for j := 0; j < d; j++ {
			x := base[j] + rng.NormFloat64()*noise
			if j == 0 {
				x = gender + rng.NormFloat64()*0.05
			}
			v.Data = append(v.Data, float32(x))
		}
	}
	zero := make([]float64, d)
	random := func() []float64 {
		b := make([]float64, d)
		for j := range b {
			b[j] = rng.NormFloat64() * 0.5
		}
		return b
	}
	lists := &DebiasLists{}
	for _, p := range [][2]string{{"she", "he"}, {"woman", "man"}, {"girl", "boy"}, {"mother", "father"}, {"Mary", "john"}} {
		base := random()
		add(p[0], 1, base, 0.05)
		add(p[1], -1, base, 0.05)
		lists.Definitional = append(lists.Definitional, p)
		lists.GenderSpecific = append(lists.GenderSpecific, p[0], p[1])
	}
	for i, w := range []string{"nurse", "engineer", "doctor", "teacher", "pilot", "dancer"} {
		add(w, []float64{0.8, -0.7, -0.3, 0.4, -0.6, 0.5}[i], zero, 0.5)
		lists.Professions = append(lists.Professions, w)
	}
	add("grandpa", -0.9, zero, 0.5)
	add("grandma", 0.7, zero, 0.5)
	add("Grandpa", -0.5, zero, 0.5)
	add("Grandma", 0.9, zero, 0.5)
	add("table", 0.2, zero, 0.5)
	add("farword", 0.6, zero, 0.5) // beyond Restrict in the restricted test
	lists.Equalize = [][2]string{{"grandpa", "grandma"}, {"unknown", "pair"}}
	lists.GenderSpecific = append(lists.GenderSpecific, "grandpa", "grandma", "Grandpa", "Grandma")
	lists.Professions = append(lists.Professions, "astronaut")
	return v, lists
}

func TestDebias(t *testing.T) {
	v, lists := biasedVectors()
	orig := append([]float32(nil), v.Data...)
	out, rep, err := Debias(v, lists, DebiasOptions{Restrict: len(v.Words) - 1})
	if err != nil {
		t.Fatal(err)
	}
	for i := range orig {
		if v.Data[i] != orig[i] {
			t.Fatal("Debias modified its input")
		}
	}
	g := rep.Direction
	if math.Abs(math.Abs(float64(g[0]))-1) > 0.05 {
		t.Fatalf("direction %v should be close to ±e0", g)
	}
	if rep.DefinitionalUsed != 5 { // "Mary"/"john" found exactly
		t.Errorf("definitional used %d, want 5", rep.DefinitionalUsed)
	}
	if rep.ProfessionsFound != 6 || rep.Equalized != 2 {
		t.Errorf("professions %d, equalized %d; want 6 and 2 (lower and title case)", rep.ProfessionsFound, rep.Equalized)
	}
	if rep.DirectBiasBefore < 0.3 || rep.DirectBiasAfter > 1e-6 {
		t.Errorf("direct bias %v -> %v", rep.DirectBiasBefore, rep.DirectBiasAfter)
	}
	x := NewIndex(out)
	for i, w := range out.Words {
		if n := tensor.SumSquares(out.Vec(i)); math.Abs(n-1) > 1e-5 {
			t.Errorf("%s: squared norm %v after debiasing", w, n)
		}
		proj := math.Abs(float64(tensor.Dot(out.Vec(i), g)))
		switch {
		case w == "farword": // beyond Restrict: untouched
			if proj < 0.3 {
				t.Errorf("%s: projection %v, should be kept", w, proj)
			}
		case contains(lists.GenderSpecific, w):
			if proj < 0.3 {
				t.Errorf("%s: projection %v, should be kept", w, proj)
			}
		default:
			if proj > 1e-6 {
				t.Errorf("%s: projection on g is %v after neutralizing", w, proj)
			}
		}
	}
	// Equalized pairs are equidistant from every neutral word.
	for _, p := range [][2]string{{"grandpa", "grandma"}, {"Grandpa", "Grandma"}} {
		ia, _ := x.Lookup(p[0])
		ib, _ := x.Lookup(p[1])
		for _, w := range []string{"nurse", "table", "engineer"} {
			iw, _ := x.Lookup(w)
			ca := tensor.Dot(out.Vec(ia), out.Vec(iw))
			cb := tensor.Dot(out.Vec(ib), out.Vec(iw))
			if math.Abs(float64(ca-cb)) > 1e-5 {
				t.Errorf("%s/%s not equidistant from %s: %v vs %v", p[0], p[1], w, ca, cb)
			}
		}
		// The masculine word stays on the masculine side.
		pa := tensor.Dot(out.Vec(ia), g)
		pb := tensor.Dot(out.Vec(ib), g)
		if pa*pb >= 0 || math.Abs(float64(pa+pb)) > 1e-5 || (pa > 0) != (tensor.Dot(v.Vec(ia), g) > 0) {
			t.Errorf("%s/%s projections %v %v", p[0], p[1], pa, pb)
		}
	}
	if _, _, err := Debias(v, &DebiasLists{Definitional: [][2]string{{"x", "y"}}}, DebiasOptions{}); err == nil {
		t.Error("debias without definitional pairs accepted")
	}
}

func contains(list []string, w string) bool {
	for _, s := range list {
		if s == w {
			return true
		}
	}
	return false
}

func TestPyTitle(t *testing.T) {
	for in, want := range map[string]string{"grandpa": "Grandpa", "Catholic_priest": "Catholic_Priest", "MEN": "Men", "ex-wife": "Ex-Wife", "": ""} {
		if got := pyTitle(in); got != want {
			t.Errorf("pyTitle(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLoadDebiasLists(t *testing.T) {
	l, err := LoadDebiasLists("../testdata/debias", false)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Definitional) != 10 || len(l.Equalize) != 52 || len(l.GenderSpecific) != 1441 || len(l.Professions) != 320 {
		t.Fatalf("lists: %d %d %d %d", len(l.Definitional), len(l.Equalize), len(l.GenderSpecific), len(l.Professions))
	}
	seed, err := LoadDebiasLists("../testdata/debias", true)
	if err != nil || len(seed.GenderSpecific) != 218 {
		t.Fatalf("seed list: %v", err)
	}
	dir := t.TempDir()
	for _, name := range []string{"definitional_pairs.json", "equalize_pairs.json", "gender_specific_full.json", "professions.json"} {
		b, _ := os.ReadFile(filepath.Join("../testdata/debias", name))
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
	os.WriteFile(filepath.Join(dir, "equalize_pairs.json"), []byte(`[["a","b","c"]]`), 0o644)
	if _, err := LoadDebiasLists(dir, false); err == nil {
		t.Error("triple in equalize pairs accepted")
	}
	// Lists saved with a UTF-8 byte-order mark (Python's utf-8-sig, Windows
	// editors) read as without one; encoding/json refused them ("invalid
	// character 'ï'").
	for _, name := range []string{"definitional_pairs.json", "equalize_pairs.json", "gender_specific_full.json", "professions.json"} {
		b, _ := os.ReadFile(filepath.Join("../testdata/debias", name))
		os.WriteFile(filepath.Join(dir, name), append([]byte("\ufeff"), b...), 0o644)
	}
	bom, err := LoadDebiasLists(dir, false)
	if err != nil || len(bom.Definitional) != 10 || bom.Definitional[0] != l.Definitional[0] || len(bom.Professions) != 320 {
		t.Errorf("lists with a byte-order mark: %v", err)
	}
}
