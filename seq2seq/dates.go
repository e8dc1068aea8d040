package seq2seq

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/recurrent-go/recurrent/text"
)

// DateOptions configures GenerateDates.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type DateOptions struct {
	// N is the total number of examples over all splits.
	N int
	// Seed makes the output reproducible: equal options give equal files.
	Seed uint64
	// From and To bound the dates (inclusive). Zero values mean
	// DefaultDateFrom and DefaultDateTo (years 1000 to 2999). Half of the
	// dates are drawn uniformly from the range, the other half from its
	// part within 1900-2099, where most dates people type lie. Two-digit
	// years in sources are read with the pivot 50: 50-99 are 1950-1999,
	// 00-49 are 2000-2049, so formats with two-digit years are only used
	// for dates in that window.
	From, To time.Time
	// DevFrac and TestFrac are the shares of N in the dev and test splits;
	// zero values mean 0.1 each. Use a negative value for an empty split.
	DevFrac, TestFrac float64
}

// span returns From and To with the defaults for zero values.
func (o *DateOptions) span() (from, to time.Time) {
	from, to = o.From, o.To
	if from.IsZero() {
		from = DefaultDateFrom
	}
	if to.IsZero() {
		to = DefaultDateTo
	}
	return from, to
}

// DateSplits holds the generated train, dev and test pairs. No calendar
// date occurs in two splits (so no source string does either), and no
// source string occurs twice.
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type DateSplits struct {
	Train, Dev, Test []Pair
}

// The default range of GenerateDates: every year of four digits people
// write for historical and future dates ("the 4th of July 1776").
var (
	DefaultDateFrom = time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC)
	DefaultDateTo   = time.Date(2999, 12, 31, 0, 0, 0, 0, time.UTC)
)

// DateRange is the span of dates a model's training targets covered, as
// ISO dates "YYYY-MM-DD"; the zero value is no range.
type DateRange struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Years returns the first and last year of the range (0, 0 if malformed).
func (r DateRange) Years() (from, to int) {
	a, err1 := time.Parse(time.DateOnly, r.From)
	b, err2 := time.Parse(time.DateOnly, r.To)
	if err1 != nil || err2 != nil {
		return 0, 0
	}
	return a.Year(), b.Year()
}

// TargetDateRange returns the span of targets when every one of them is
// an ISO date "YYYY-MM-DD" (a date-normalization data set), else the zero
// DateRange.
func TargetDateRange(targets []string) DateRange {
	var lo, hi string
	for _, t := range targets {
		if len(t) != 10 {
			return DateRange{}
		}
		if _, err := time.Parse(time.DateOnly, t); err != nil {
			return DateRange{}
		}
		if lo == "" || t < lo {
			lo = t
		}
		if t > hi {
			hi = t
		}
	}
	return DateRange{From: lo, To: hi}
}

var yearPattern = regexp.MustCompile(`(^|[^0-9])([0-9]{4})($|[^0-9])`)

// YearsOutside returns the four-digit numbers of src that are years
// outside r (none when r is zero): a model trained on r's dates cannot be
// trusted with them.
func YearsOutside(r DateRange, src string) []int {
	if r == (DateRange{}) {
		return nil
	}
	from, to := r.Years()
	var out []int
	for _, m := range yearPattern.FindAllStringSubmatch(src, -1) {
		y, _ := strconv.Atoi(m[2])
		if y < from || y > to {
			out = append(out, y)
		}
	}
	return out
}

var (
	monthNames = [...]string{"January", "February", "March", "April", "May", "June", "July",
		"August", "September", "October", "November", "December"}
	monthAbbr = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
	dayNames  = [...]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	dayAbbr   = [...]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
)

// ordinalWords spell the ordinals of the days of a month.
var ordinalWords = [...]string{"", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
	"ninth", "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
	"seventeenth", "eighteenth", "nineteenth", "twentieth", "twenty-first", "twenty-second",
	"twenty-third", "twenty-fourth", "twenty-fifth", "twenty-sixth", "twenty-seventh",
	"twenty-eighth", "twenty-ninth", "thirtieth", "thirty-first"}

// ordinal returns "1st", "2nd", "3rd", "4th", ..., "11th", "21st", ...
func ordinal(d int) string {
	suf := "th"
	if d%100 < 11 || d%100 > 13 {
		switch d % 10 {
		case 1:
			suf = "st"
		case 2:
			suf = "nd"
		case 3:
			suf = "rd"
		}
	}
	return strconv.Itoa(d) + suf
}

// twoDigitOK reports whether year y can be written with two digits under
// the pivot-50 rule.
func twoDigitOK(y int) bool { return y >= 1950 && y <= 2049 }

// dateFormats render a date; the bool result is false when the format
// cannot represent the date unambiguously (two-digit years outside the
// pivot window).
var dateFormats = []func(r *rand.Rand, y, m, d int, wd time.Weekday) (string, bool){
	// 3 May 1979
	func(r *rand.Rand, y, m, d int, _ time.Weekday) (string, bool) {
		return fmt.Sprintf("%d %s %d", d, monthNames[m-1], y), true
	},
	// 03 May 1979 / 3 Aug 1979
	func(r *rand.Rand, y, m, d int, _ time.Weekday) (string, bool) {
		if r.IntN(2) == 0 {
			return fmt.Sprintf("%02d %s %d", d, monthAbbr[m-1], y), true
		}
		return fmt.Sprintf("%d %s %d", d, monthAbbr[m-1], y), true
	},
	// 5/30/68 (US month first, two-digit year)
	func(r *rand.Rand, y, m, d int, _ time.Weekday) (string, bool) {
		return fmt.Sprintf("%d/%d/%02d", m, d, y%100), twoDigitOK(y)
	},
	// 05/30/1968
	func(r *rand.Rand, y, m, d int, _ time.Weekday) (string, bool) {
		return fmt.Sprintf("%02d/%02d/%d", m, d, y), true
	},
	// Tuesday, April 7, 1998
	func(r *rand.Rand, y, m, d int, wd time.Weekday) (string, bool) {
		return fmt.Sprintf("%s, %s %d, %d", dayNames[wd], monthNames[m-1], d, y), true
	},
	// JUNE 1 2002
	func(r *rand.Rand, y, m, d int, _ time.Weekday) (string, bool) {
		return strings.ToUpper(fmt.Sprintf("%s %d %d", monthNames[m-1], d, y)), true
	},
	// 11.02.1971 (European day first)
	func(r *rand.Rand, y, m, d int, _ time.Weekday) (string, bool) {
		return fmt.Sprintf("%02d.%02d.%d", d, m, y), true
	},
	// May 3, 1979
	func(r *rand.Rand, y, m, d int, _ time.Weekday) (string, bool) {
		return fmt.Sprintf("%s %d, %d", monthNames[m-1], d, y), true
	},
	// May 3rd, 1979
	func(r *rand.Rand, y, m, d int, _ time.Weekday) (string, bool) {
		return fmt.Sprintf("%s %s, %d", monthNames[m-1], ordinal(d), y), true
	},
	// the 3rd of May 1979 / 3rd of May, 1979
	func(r *rand.Rand, y, m, d int, _ time.Weekday) (string, bool) {
		if r.IntN(2) == 0 {
			return fmt.Sprintf("the %s of %s %d", ordinal(d), monthNames[m-1], y), true
		}
		return fmt.Sprintf("%s of %s, %d", ordinal(d), monthNames[m-1], y), true
	},
	// Thu 3 May 79
	func(r *rand.Rand, y, m, d int, wd time.Weekday) (string, bool) {
		return fmt.Sprintf("%s %d %s %02d", dayAbbr[wd], d, monthAbbr[m-1], y%100), twoDigitOK(y)
	},
	// Thursday 3 May 1979
	func(r *rand.Rand, y, m, d int, wd time.Weekday) (string, bool) {
		return fmt.Sprintf("%s %d %s %d", dayNames[wd], d, monthNames[m-1], y), true
	},
	// 3-May-79
	func(r *rand.Rand, y, m, d int, _ time.Weekday) (string, bool) {
		return fmt.Sprintf("%d-%s-%02d", d, monthAbbr[m-1], y%100), twoDigitOK(y)
	},
	// Mar 7 2001
	func(r *rand.Rand, y, m, d int, _ time.Weekday) (string, bool) {
		return fmt.Sprintf("%s %d %d", monthAbbr[m-1], d, y), true
	},
	// 1979/05/03 (year first)
	func(r *rand.Rand, y, m, d int, _ time.Weekday) (string, bool) {
		return fmt.Sprintf("%d/%02d/%02d", y, m, d), true
	},
	// Saturday, 7 April 1998
	func(r *rand.Rand, y, m, d int, wd time.Weekday) (string, bool) {
		return fmt.Sprintf("%s, %d %s %d", dayNames[wd], d, monthNames[m-1], y), true
	},
	// July 4th 1776 / July 4th, 1776
	func(r *rand.Rand, y, m, d int, _ time.Weekday) (string, bool) {
		if r.IntN(2) == 0 {
			return fmt.Sprintf("%s %s %d", monthNames[m-1], ordinal(d), y), true
		}
		return fmt.Sprintf("%s %s, %d", monthNames[m-1], ordinal(d), y), true
	},
	// 4th July 1776 / 4 July, 1776
	func(r *rand.Rand, y, m, d int, _ time.Weekday) (string, bool) {
		if r.IntN(2) == 0 {
			return fmt.Sprintf("%s %s %d", ordinal(d), monthNames[m-1], y), true
		}
		return fmt.Sprintf("%d %s, %d", d, monthNames[m-1], y), true
	},
	// the fourth of July 1776 / the fourth of July, 1776
	func(r *rand.Rand, y, m, d int, _ time.Weekday) (string, bool) {
		if r.IntN(2) == 0 {
			return fmt.Sprintf("the %s of %s %d", ordinalWords[d], monthNames[m-1], y), true
		}
		return fmt.Sprintf("the %s of %s, %d", ordinalWords[d], monthNames[m-1], y), true
	},
	// Jul. 4, 1776
	func(r *rand.Rand, y, m, d int, _ time.Weekday) (string, bool) {
		if m == 5 {
			return fmt.Sprintf("%s %d, %d", monthAbbr[m-1], d, y), true
		}
		return fmt.Sprintf("%s. %d, %d", monthAbbr[m-1], d, y), true
	},
	// 7/4/1776 (US, unpadded, four-digit year)
	func(r *rand.Rand, y, m, d int, _ time.Weekday) (string, bool) {
		return fmt.Sprintf("%d/%d/%d", m, d, y), true
	},
	// 1776-07-04 (already ISO)
	func(r *rand.Rand, y, m, d int, _ time.Weekday) (string, bool) {
		return fmt.Sprintf("%04d-%02d-%02d", y, m, d), true
	},
}

// noisy applies random casing and light, meaning-preserving noise: lower or
// upper case, a dropped comma, a doubled space, a trailing period.
func noisy(r *rand.Rand, s string) string {
	switch r.IntN(10) {
	case 0:
		s = strings.ToLower(s)
	case 1:
		s = strings.ToUpper(s)
	}
	if r.IntN(8) == 0 {
		s = strings.Replace(s, ",", "", 1)
	}
	if r.IntN(12) == 0 {
		if i := strings.IndexByte(s, ' '); i >= 0 {
			s = s[:i] + " " + s[i:]
		}
	}
	if r.IntN(15) == 0 {
		s += "."
	}
	return s
}

// DatePair renders date t (its year, month and day) as a random
// human-readable source and its ISO 8601 target "YYYY-MM-DD".
func DatePair(r *rand.Rand, t time.Time) Pair {
	y, mo, d := t.Date()
	wd := t.Weekday()
	for {
		f := dateFormats[r.IntN(len(dateFormats))]
		if s, ok := f(r, y, int(mo), d, wd); ok {
			return Pair{Source: noisy(r, s), Target: fmt.Sprintf("%04d-%02d-%02d", y, int(mo), d)}
		}
	}
}

// daysBetween counts the days from a to b (UTC midnights); time.Sub cannot,
// as a Duration spans only 292 years.
func daysBetween(a, b time.Time) int { return int((b.Unix() - a.Unix()) / 86400) }

// mix64 is the splitmix64 finalizer, used to assign dates to splits.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func fracOr(f, def float64) float64 {
	if f == 0 {
		return def
	}
	if f < 0 {
		return 0
	}
	return f
}

// GenerateDates builds a seeded date-translation data set. Each calendar
// date belongs to one split (chosen by a seeded hash in the proportions
// DevFrac/TestFrac), so the splits share no date and no source; sources are
// unique overall. ctx cancels long runs.
func GenerateDates(ctx context.Context, opts DateOptions) (DateSplits, error) {
	if opts.N <= 0 {
		return DateSplits{}, fmt.Errorf("seq2seq: dates: N must be positive, got %d", opts.N)
	}
	from, to := opts.span()
	from = time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, time.UTC)
	to = time.Date(to.Year(), to.Month(), to.Day(), 0, 0, 0, 0, time.UTC)
	days := daysBetween(from, to) + 1
	if days <= 0 {
		return DateSplits{}, fmt.Errorf("seq2seq: dates: empty range %s..%s", from.Format(time.DateOnly), to.Format(time.DateOnly))
	}
	// The part of the range within 1900-2099, drawn from half the time.
	recentLo := max(0, daysBetween(from, time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)))
	recentHi := min(days, daysBetween(from, time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)))
	devF, testF := fracOr(opts.DevFrac, 0.1), fracOr(opts.TestFrac, 0.1)
	if devF+testF >= 1 {
		return DateSplits{}, fmt.Errorf("seq2seq: dates: dev+test fractions %.3g+%.3g leave no training data", devF, testF)
	}
	nDev := int(float64(opts.N)*devF + 0.5)
	nTest := int(float64(opts.N)*testF + 0.5)
	quota := [3]int{opts.N - nDev - nTest, nDev, nTest}
	r := rand.New(rand.NewPCG(opts.Seed, 0x6461746573)) // "dates"
	var out [3][]Pair
	seen := make(map[string]bool, opts.N)
	need := opts.N
	for attempts := 0; need > 0; attempts++ {
		if attempts%4096 == 0 && ctx.Err() != nil {
			return DateSplits{}, fmt.Errorf("seq2seq: dates: %w", ctx.Err())
		}
		if attempts > 100*opts.N+10000 {
			return DateSplits{}, errors.New("seq2seq: dates: cannot find enough distinct examples; widen the date range or lower N")
		}
		k := r.IntN(days)
		if recentHi > recentLo && r.IntN(2) == 0 {
			k = recentLo + r.IntN(recentHi-recentLo)
		}
		u := float64(mix64(opts.Seed^mix64(uint64(k)))>>11) / (1 << 53)
		split := 0
		switch {
		case u < testF:
			split = 2
		case u < testF+devF:
			split = 1
		}
		if len(out[split]) >= quota[split] {
			continue
		}
		p := DatePair(r, from.AddDate(0, 0, k))
		if seen[p.Source] {
			continue
		}
		seen[p.Source] = true
		out[split] = append(out[split], p)
		need--
	}
	return DateSplits{Train: out[0], Dev: out[1], Test: out[2]}, nil
}

// WriteDateSplits generates the data set and writes train.tsv, dev.tsv and
// test.tsv ("source<TAB>target" lines) into dir, creating it if needed. It
// returns the paths written.
func WriteDateSplits(ctx context.Context, dir string, opts DateOptions) ([]string, error) {
	s, err := GenerateDates(ctx, opts)
	if err != nil {
		return nil, err
	}
	if err := text.MkdirAll(dir); err != nil {
		return nil, fmt.Errorf("seq2seq: %w", err)
	}
	var paths []string
	for _, part := range []struct {
		name  string
		pairs []Pair
	}{{"train.tsv", s.Train}, {"dev.tsv", s.Dev}, {"test.tsv", s.Test}} {
		path := filepath.Join(dir, part.name)
		f, err := os.Create(path)
		if err != nil {
			return paths, fmt.Errorf("seq2seq: %w", err)
		}
		if err := WritePairs(f, part.pairs); err != nil {
			f.Close()
			return paths, fmt.Errorf("seq2seq: %s: %w", path, err)
		}
		if err := f.Close(); err != nil {
			return paths, fmt.Errorf("seq2seq: %w", err)
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// DateFiles describes the data set WriteDateFiles wrote (translate
// gen-dates --json's object).
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type DateFiles struct {
	Files []string `json:"files"`
	// From and To are the range of the dates, YYYY-MM-DD.
	From string `json:"from"`
	N    int    `json:"n"`
	Seed uint64 `json:"seed"`
	To   string `json:"to"`
}

// WriteText writes the paths of the files, one per line.
func (d DateFiles) WriteText(w io.Writer) error {
	for _, p := range d.Files {
		if _, err := fmt.Fprintln(w, p); err != nil {
			return err
		}
	}
	return nil
}

// WriteDateFiles is WriteDateSplits, returning what it wrote.
func WriteDateFiles(ctx context.Context, dir string, opts DateOptions) (DateFiles, error) {
	paths, err := WriteDateSplits(ctx, dir, opts)
	from, to := opts.span()
	return DateFiles{Files: paths, From: from.Format(time.DateOnly), N: opts.N, Seed: opts.Seed, To: to.Format(time.DateOnly)}, err
}
