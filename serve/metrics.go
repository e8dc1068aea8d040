package serve

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the server's Prometheus series.
type metrics struct {
	requests  *prometheus.CounterVec   // route, status
	latency   *prometheus.HistogramVec // route
	tokens    *prometheus.CounterVec   // model
	batchSize *prometheus.HistogramVec // model
	// The timing of streamed generation, as the server sees it (model):
	// a batched step's duration, the gap between a stream's consecutive
	// token writes (tokens written together: 0 after the first), and a
	// token's delay from the end of the step that made it to its write.
	stepTime, tokenGap, tokenDelay *prometheus.HistogramVec
}

// timingBuckets are the upper bounds (seconds) of the generation timing
// histograms: 10 us to 0.2 s, a factor of 1.25 apart, fine enough for a
// p99 read from them to be within 25% of the true one.
var timingBuckets = prometheus.ExponentialBucketsRange(10e-6, 0.2, 45)

func newMetrics(reg *prometheus.Registry, runtime bool, queue func() float64) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "recurrent_http_requests_total", Help: "HTTP requests by route and status code.",
		}, []string{"route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "recurrent_http_request_duration_seconds", Help: "Time to answer a request, by route (a streamed generation: until its last event).",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2.5, 14),
		}, []string{"route"}),
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "recurrent_generated_tokens_total", Help: "Tokens generated, by model.",
		}, []string{"model"}),
		batchSize: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "recurrent_generate_batch_size", Help: "Streams advanced together by one recurrent step, by model.",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128},
		}, []string{"model"}),
	}
	timing := func(name, help string) *prometheus.HistogramVec {
		return prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help, Buckets: timingBuckets}, []string{"model"})
	}
	m.stepTime = timing("recurrent_generate_step_seconds", "Duration of one batched recurrent step (all its streams), by model.")
	m.tokenGap = timing("recurrent_generate_token_gap_seconds",
		"Time between a stream's consecutive token writes as the server makes them (tokens written together: 0 after the first), by model.")
	m.tokenDelay = timing("recurrent_generate_token_delay_seconds",
		"Time from the end of the step that generated a token to the server's write of it, by model.")
	reg.MustRegister(m.requests, m.latency, m.tokens, m.batchSize, m.stepTime, m.tokenGap, m.tokenDelay,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "recurrent_queue_depth", Help: "API requests admitted and not yet answered (running or waiting).",
		}, queue))
	if runtime {
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	return m
}

func (m *metrics) request(route string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route).Observe(d.Seconds())
}

// step records one batched step of model: its batch size, the tokens it
// produced and its duration.
func (m *metrics) step(model string, batch, tokens int, d time.Duration) {
	m.batchSize.WithLabelValues(model).Observe(float64(batch))
	m.stepTime.WithLabelValues(model).Observe(d.Seconds())
	m.tokens.WithLabelValues(model).Add(float64(tokens))
}

// tokenTimer records the token writes of one stream of model.
type tokenTimer struct {
	gap, delay prometheus.Observer
	last       time.Time // the stream's last token write
}

func (m *metrics) tokenTimer(model string) *tokenTimer {
	return &tokenTimer{gap: m.tokenGap.WithLabelValues(model), delay: m.tokenDelay.WithLabelValues(model)}
}

// wrote records the write, at now, of tokens made by steps that ended at
// made (in order): the first token's gap since the stream's last write,
// 0 for the others, and each token's delay.
func (t *tokenTimer) wrote(now time.Time, made []time.Time) {
	for i, at := range made {
		switch {
		case i > 0:
			t.gap.Observe(0)
		case !t.last.IsZero():
			t.gap.Observe(now.Sub(t.last).Seconds())
		}
		t.delay.Observe(now.Sub(at).Seconds())
	}
	if len(made) > 0 {
		t.last = now
	}
}
