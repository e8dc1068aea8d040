package serve

import (
	"bytes"
	"fmt"
	"math"
	"slices"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	pmodel "github.com/prometheus/common/model"
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
	hs, err := ReadHistograms(page, model, name)
	if err != nil {
		return Histogram{}, err
	}
	return hs[0], nil
}

// ReadHistograms is ReadHistogram for several histograms of one page,
// parsed once; they are returned in the order of names.
func ReadHistograms(page []byte, model string, names ...string) ([]Histogram, error) {
	parser := expfmt.NewTextParser(pmodel.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(page))
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	hs := make([]Histogram, len(names))
	for i, name := range names {
		if hs[i], err = series(families[name], name, model); err != nil {
			return nil, err
		}
	}
	return hs, nil
}

// series returns the histogram series of f whose model label is model.
func series(f *dto.MetricFamily, name, model string) (Histogram, error) {
	var h Histogram
	for _, m := range f.GetMetric() {
		if !hasLabel(m, "model", model) || m.GetHistogram() == nil {
			continue
		}
		hist := m.GetHistogram()
		for _, b := range hist.GetBucket() {
			h.Bounds, h.Counts = append(h.Bounds, b.GetUpperBound()), append(h.Counts, float64(b.GetCumulativeCount()))
		}
		h.Sum, h.Count = hist.GetSampleSum(), float64(hist.GetSampleCount())
		return h, nil
	}
	return h, fmt.Errorf("metrics: no histogram %s{model=%q}", name, model)
}

// hasLabel reports whether m carries the label key="value".
func hasLabel(m *dto.Metric, key, value string) bool {
	for _, l := range m.GetLabel() {
		if l.GetName() == key && l.GetValue() == value {
			return true
		}
	}
	return false
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
	d := Histogram{Bounds: h.Bounds, Counts: slices.Clone(h.Counts), Sum: h.Sum + o.Sum, Count: h.Count + o.Count}
	for i := range min(len(d.Counts), len(o.Counts)) {
		d.Counts[i] += o.Counts[i]
	}
	return d
}
