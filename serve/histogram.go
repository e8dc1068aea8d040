package serve

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Histogram is one series of a Prometheus histogram as /metrics shows it:
// cumulative counts at ascending upper bounds (the last +Inf).
type Histogram struct {
	Bounds, Counts []float64
	Sum, Count     float64
}

// ReadHistogram returns the series of histogram name whose model label is
// model from a page of the Prometheus text format (what GET /metrics
// answers); a series the page lacks is an error.
func ReadHistogram(page []byte, name, model string) (Histogram, error) {
	var h Histogram
	want := `model="` + model + `"`
	sc := bufio.NewScanner(bytes.NewReader(page))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		series, value, ok := strings.Cut(line, " ")
		if !ok || !strings.HasPrefix(series, name+"_") {
			continue
		}
		metric, labels, _ := strings.Cut(series, "{")
		if !hasLabel(labels, want) {
			continue
		}
		v, err := strconv.ParseFloat(strings.Fields(value)[0], 64)
		if err != nil {
			return h, fmt.Errorf("metrics: %q: %w", line, err)
		}
		switch metric {
		case name + "_sum":
			h.Sum = v
		case name + "_count":
			h.Count = v
		case name + "_bucket":
			le, err := labelValue(labels, "le")
			if err != nil {
				return h, fmt.Errorf("metrics: %q: %w", line, err)
			}
			b, err := strconv.ParseFloat(le, 64)
			if err != nil {
				return h, fmt.Errorf("metrics: %q: %w", line, err)
			}
			if n := len(h.Bounds); n > 0 && b <= h.Bounds[n-1] {
				return h, fmt.Errorf("metrics: %q: bounds out of order", line)
			}
			h.Bounds, h.Counts = append(h.Bounds, b), append(h.Counts, v)
		}
	}
	if len(h.Bounds) == 0 {
		return h, fmt.Errorf("metrics: no histogram %s{%s}", name, want)
	}
	return h, sc.Err()
}

func hasLabel(labels, pair string) bool {
	labels = strings.TrimSuffix(labels, "}")
	for _, l := range strings.Split(labels, ",") {
		if l == pair {
			return true
		}
	}
	return false
}

func labelValue(labels, key string) (string, error) {
	labels = strings.TrimSuffix(labels, "}")
	for _, l := range strings.Split(labels, ",") {
		if v, ok := strings.CutPrefix(l, key+"="); ok {
			return strconv.Unquote(v)
		}
	}
	return "", fmt.Errorf("no label %s", key)
}

// Sub returns h minus an earlier scrape o of the same series: what was
// observed in between. o with no buckets counts as empty.
func (h Histogram) Sub(o Histogram) Histogram {
	d := Histogram{Bounds: h.Bounds, Counts: make([]float64, len(h.Counts)), Sum: h.Sum - o.Sum, Count: h.Count - o.Count}
	for i, c := range h.Counts {
		d.Counts[i] = c
		if i < len(o.Counts) {
			d.Counts[i] -= o.Counts[i]
		}
	}
	return d
}

// Quantile estimates the q-quantile (0..1) of the observations as
// Prometheus's histogram_quantile does: linearly inside the bucket that
// holds it (from 0 in the first bucket); the largest finite bound for
// the +Inf bucket; NaN without observations.
func (h Histogram) Quantile(q float64) float64 {
	n := len(h.Counts)
	if n == 0 || h.Counts[n-1] == 0 {
		return math.NaN()
	}
	rank := q * h.Counts[n-1]
	for i, c := range h.Counts {
		if c < rank || c == 0 {
			continue
		}
		if math.IsInf(h.Bounds[i], 1) {
			if i == 0 {
				return math.NaN()
			}
			return h.Bounds[i-1]
		}
		lo, below := 0.0, 0.0
		if i > 0 {
			lo, below = h.Bounds[i-1], h.Counts[i-1]
		}
		return lo + (h.Bounds[i]-lo)*(rank-below)/(c-below)
	}
	return h.Bounds[n-1]
}

// Add returns h plus o, a series with the same bounds (o with no buckets
// counts as empty; h with none takes o's).
func (h Histogram) Add(o Histogram) Histogram {
	if len(h.Counts) == 0 {
		return o
	}
	return h.Sub(Histogram{Counts: scale(o.Counts, -1), Sum: -o.Sum, Count: -o.Count})
}

func scale(xs []float64, f float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = x * f
	}
	return out
}
