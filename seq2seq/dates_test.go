package seq2seq

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/recurrent-go/recurrent/internal/testutil"
)

// parseDateSource is an independent reader of the generated formats, used
// to check that every source means its target.
func parseDateSource(src string) (y, m, d int, wd int, err error) {
	wd = -1
	s := strings.TrimSuffix(strings.ToLower(src), ".")
	if parts := strings.Split(strings.TrimSpace(s), "-"); len(parts) == 3 && len(parts[0]) == 4 {
		n := make([]int, 3)
		for i, p := range parts {
			if n[i], err = strconv.Atoi(p); err != nil {
				return
			}
		}
		return n[0], n[1], n[2], wd, nil
	}
	// Spelled ordinals ("the fourth of july"), longest first so that
	// "twenty-first" is not read as "first".
	s = strings.Join(strings.Fields(s), " ")
	for d := len(ordinalWords) - 1; d >= 1; d-- {
		if w := ordinalWords[d]; strings.Contains(s, "the "+w+" of") {
			s = strings.Replace(s, "the "+w+" of", strconv.Itoa(d), 1)
			break
		}
	}
	if strings.Count(s, "/") == 2 || strings.Count(s, ".") == 2 {
		sep := "/"
		if strings.Contains(s, ".") {
			sep = "."
		}
		parts := strings.Split(strings.TrimSpace(s), sep)
		n := make([]int, 3)
		for i, p := range parts {
			if n[i], err = strconv.Atoi(p); err != nil {
				return
			}
		}
		switch {
		case sep == ".":
			return n[2], n[1], n[0], wd, nil
		case len(parts[0]) == 4:
			return n[0], n[1], n[2], wd, nil
		case len(parts[2]) == 4:
			return n[2], n[0], n[1], wd, nil
		default:
			return pivot(n[2]), n[0], n[1], wd, nil
		}
	}
	words := strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	var nums []string
	for _, w := range words {
		for i, name := range monthNames {
			if w == strings.ToLower(name) || w == strings.ToLower(monthAbbr[i]) {
				m = i + 1
			}
		}
		for i, name := range dayNames {
			if w == strings.ToLower(name) || w == strings.ToLower(dayAbbr[i]) {
				wd = i
			}
		}
		if unicode.IsDigit(rune(w[0])) {
			nums = append(nums, strings.TrimRight(w, "stndrh"))
		}
	}
	if m == 0 || len(nums) != 2 {
		return 0, 0, 0, wd, fmt.Errorf("cannot read %q", src)
	}
	d, _ = strconv.Atoi(nums[0])
	y, _ = strconv.Atoi(nums[1])
	if len(nums[1]) == 2 {
		y = pivot(y)
	}
	return y, m, d, wd, nil
}

func pivot(yy int) int {
	if yy >= 50 {
		return 1900 + yy
	}
	return 2000 + yy
}

func TestGenerateDates(t *testing.T) {
	opts := DateOptions{N: 3000, Seed: 42, From: time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2099, 12, 31, 0, 0, 0, 0, time.UTC)}
	s, err := GenerateDates(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Train) != 2400 || len(s.Dev) != 300 || len(s.Test) != 300 {
		t.Fatalf("split sizes %d %d %d", len(s.Train), len(s.Dev), len(s.Test))
	}
	dateSplit := map[string]int{}
	sources := map[string]bool{}
	formats := map[string]bool{}
	for k, part := range [][]Pair{s.Train, s.Dev, s.Test} {
		for _, p := range part {
			tm, err := time.Parse(time.DateOnly, p.Target)
			if err != nil {
				t.Fatalf("target %q: %v", p.Target, err)
			}
			if tm.Before(opts.From) || tm.After(opts.To) {
				t.Errorf("target %s outside range", p.Target)
			}
			y, m, d, wd, err := parseDateSource(p.Source)
			if err != nil {
				t.Fatal(err)
			}
			if y != tm.Year() || m != int(tm.Month()) || d != tm.Day() {
				t.Errorf("%q read as %04d-%02d-%02d, target %s", p.Source, y, m, d, p.Target)
			}
			if wd >= 0 && wd != int(tm.Weekday()) {
				t.Errorf("%q: weekday %s but %s is a %s", p.Source, dayNames[wd], p.Target, tm.Weekday())
			}
			if prev, ok := dateSplit[p.Target]; ok && prev != k {
				t.Errorf("date %s in splits %d and %d", p.Target, prev, k)
			}
			dateSplit[p.Target] = k
			if sources[p.Source] {
				t.Errorf("duplicate source %q", p.Source)
			}
			sources[p.Source] = true
			shape := strings.Map(func(r rune) rune {
				if unicode.IsDigit(r) {
					return '9'
				}
				if unicode.IsLetter(r) {
					return 'a'
				}
				return r
			}, p.Source)
			formats[shape] = true
		}
	}
	if len(formats) < 20 {
		t.Errorf("only %d distinct source shapes", len(formats))
	}
}

// TestGenerateDatesRange: by default the years people type, 1000-2999, in
// formats such as "the 4th of July 1776", with most dates in 1900-2099.
func TestGenerateDatesRange(t *testing.T) {
	s, err := GenerateDates(context.Background(), DateOptions{N: 6000, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	var targets []string
	early, late, recent := 0, 0, 0
	shapes := map[string]bool{}
	for _, part := range [][]Pair{s.Train, s.Dev, s.Test} {
		for _, p := range part {
			targets = append(targets, p.Target)
			y, _ := strconv.Atoi(p.Target[:4])
			switch {
			case y < 1500:
				early++
			case y > 2500:
				late++
			case y >= 1900 && y < 2100:
				recent++
			}
			low := strings.ToLower(strings.TrimSuffix(p.Source, "."))
			switch {
			case strings.HasPrefix(low, "the ") && strings.Contains(low, " of ") && strings.ContainsAny(low[4:5], "0123456789"):
				shapes["the 4th of july 1776"] = true
			case strings.HasPrefix(low, "the ") && strings.Contains(low, " of "):
				shapes["the fourth of july 1776"] = true
			case len(low) == 10 && low[4] == '-':
				shapes["1776-07-04"] = true
			}
		}
	}
	if early < 300 || late < 300 || recent < 2500 {
		t.Errorf("years before 1500: %d, after 2500: %d, in 1900-2099: %d of 6000", early, late, recent)
	}
	if len(shapes) != 3 {
		t.Errorf("formats found: %v", shapes)
	}
	r := TargetDateRange(targets)
	if from, to := r.Years(); from != 1000 || to != 2999 {
		t.Errorf("range %+v", r)
	}
	// The year of "the 4th of July 1776" is inside; a model trained on
	// 1950-2049 would see it outside.
	if got := YearsOutside(r, "the 4th of July 1776"); got != nil {
		t.Errorf("1776 outside %+v", r)
	}
	narrow := DateRange{From: "1950-01-01", To: "2049-12-31"}
	if got := YearsOutside(narrow, "the 4th of July 1776, or 7/4/2076 or 12345"); !reflect.DeepEqual(got, []int{1776, 2076}) {
		t.Errorf("years outside 1950-2049: %v", got)
	}
	if TargetDateRange([]string{"1999-01-01", "hello"}) != (DateRange{}) {
		t.Error("a non-date target gave a date range")
	}
	// Every date of the range is rendered, including the first and last.
	for _, tm := range []time.Time{DefaultDateFrom, DefaultDateTo, time.Date(1776, 7, 4, 0, 0, 0, 0, time.UTC)} {
		p := DatePair(rand.New(rand.NewPCG(1, 2)), tm)
		if p.Target != tm.Format(time.DateOnly) {
			t.Errorf("%v: target %q", tm, p.Target)
		}
	}
}

func TestGenerateDatesDeterministic(t *testing.T) {
	a, err := GenerateDates(context.Background(), DateOptions{N: 500, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := GenerateDates(context.Background(), DateOptions{N: 500, Seed: 7})
	c, _ := GenerateDates(context.Background(), DateOptions{N: 500, Seed: 8})
	if !reflect.DeepEqual(a, b) {
		t.Error("same seed gave different data")
	}
	if reflect.DeepEqual(a.Train, c.Train) {
		t.Error("different seeds gave the same data")
	}
}

func TestGenerateDatesErrors(t *testing.T) {
	ctx := context.Background()
	day := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		opts DateOptions
	}{
		{"zero N", DateOptions{}},
		{"fractions", DateOptions{N: 10, DevFrac: 0.5, TestFrac: 0.5}},
		{"empty range", DateOptions{N: 10, From: day, To: day.AddDate(0, 0, -1)}},
		{"too many", DateOptions{N: 5000, From: day, To: day}},
	}
	for _, c := range cases {
		if _, err := GenerateDates(ctx, c.opts); err == nil {
			t.Errorf("%s: want error", c.name)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := GenerateDates(cctx, DateOptions{N: 10}); err == nil {
		t.Error("want error for cancelled context")
	}
}

func TestWriteDateSplits(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "dates")
	paths, err := WriteDateSplits(context.Background(), dir, DateOptions{N: 100, Seed: 1, TestFrac: -1})
	if err != nil {
		t.Fatal(err)
	}
	sizes := []int{90, 10, 0}
	for i, p := range paths {
		pairs, err := ReadPairsFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(pairs) != sizes[i] {
			t.Errorf("%s: %d pairs want %d", p, len(pairs), sizes[i])
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "test.tsv")); err != nil {
		t.Error(err)
	}
}

func TestOrdinal(t *testing.T) {
	for d, want := range map[int]string{1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 11: "11th", 12: "12th", 13: "13th", 21: "21st", 22: "22nd", 23: "23rd", 31: "31st"} {
		if got := ordinal(d); got != want {
			t.Errorf("ordinal(%d) = %q want %q", d, got, want)
		}
	}
}

func TestDatePairWeekday(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	// 7 April 1998 was a Tuesday.
	tm := time.Date(1998, 4, 7, 0, 0, 0, 0, time.UTC)
	for range 200 {
		p := DatePair(r, tm)
		if p.Target != "1998-04-07" {
			t.Fatalf("target %q", p.Target)
		}
		low := strings.ToLower(p.Source)
		for _, other := range []string{"mon", "wed", "thu", "fri", "sat", "sun"} {
			if strings.Contains(low, other) {
				t.Errorf("%q names the wrong weekday", p.Source)
			}
		}
	}
}

// TestTrainerRecordsDateRange: a model trained on dates keeps their span
// in its config, through Save and Load; other data records none.
func TestTrainerRecordsDateRange(t *testing.T) {
	s, err := GenerateDates(context.Background(), DateOptions{N: 200, Seed: 5, DevFrac: -1, TestFrac: -1,
		From: time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2049, 12, 31, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	src, tgt, err := BuildVocabs(s.Train, "char")
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(Config{Embed: 4, Hidden: 4}, src, tgt, 1)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := m.Encode(s.Train)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewTrainer(m, tr, Encoded{}, TrainConfig{Epochs: 1}); err != nil {
		t.Fatal(err)
	}
	from, to := m.Config.TrainedDates.Years()
	if from < 1950 || from > 1955 || to < 2045 || to > 2049 {
		t.Fatalf("trained dates %+v", m.Config.TrainedDates)
	}
	m2, _ := testutil.SaveLoad(t, m.Save, Load)
	if m2.Config.TrainedDates != m.Config.TrainedDates {
		t.Fatalf("loaded %+v, saved %+v", m2.Config.TrainedDates, m.Config.TrainedDates)
	}
	if got := YearsOutside(m2.Config.TrainedDates, "the 4th of july 1776"); len(got) != 1 || got[0] != 1776 {
		t.Errorf("years outside: %v", got)
	}
}
