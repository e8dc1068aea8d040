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
}

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
	reg.MustRegister(m.requests, m.latency, m.tokens, m.batchSize,
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

// step records one batched step of model: its batch size and the tokens
// it produced.
func (m *metrics) step(model string, batch, tokens int) {
	m.batchSize.WithLabelValues(model).Observe(float64(batch))
	m.tokens.WithLabelValues(model).Add(float64(tokens))
}
