package bench

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
)

// ServeEvent is one part of a serve load test's report.
type ServeEvent interface {
	// WriteText writes the part as the bench serve command prints it.
	WriteText(w io.Writer) error
}

// ServeReport is the result of ServeLoad.
type ServeReport struct {
	// Events are the parts of the report in the order they were measured.
	Events []ServeEvent
	// Generate sums the generation rounds; Classify and Similar are the
	// request latencies (ms).
	Generate          GenerateSummary
	Generate8         *GenerateSummary // the int8 model's rounds (with Int8), else nil
	Classify, Similar Latency
	// PeakRSS is the server's VmHWM ("" where unknown).
	PeakRSS string
	// Flips is the batching flip count (nil when not run).
	Flips *FlipReport
}

// WriteText writes every part of the report.
func (r *ServeReport) WriteText(w io.Writer) error {
	for _, e := range r.Events {
		if err := e.WriteText(w); err != nil {
			return err
		}
	}
	return nil
}

// LoadAverage is the machine's load average at a moment of the run.
type LoadAverage struct {
	When, Load string
}

// WriteText writes "load average WHEN: L1 L5 L15".
func (l LoadAverage) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "load average %s: %s\n", l.When, l.Load)
	return err
}

// loadAverage returns /proc/loadavg's three figures, or "unknown".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

// GenerateStart announces the generation rounds.
type GenerateStart struct {
	Length, Rounds, Clients int
	ClientProcs             int // the load generator's GOMAXPROCS (0: unchanged)
}

// WriteText writes the header of the generation rounds.
func (g GenerateStart) WriteText(w io.Writer) error {
	procs := ""
	if g.ClientProcs > 0 {
		procs = fmt.Sprintf(" (load generator on %d thread(s), GOMAXPROCS %d)", g.ClientProcs, g.ClientProcs)
	}
	_, err := fmt.Fprintf(w, "generate, LSTM 2x512 characters, %d tokens per request, streamed, %d rounds of 1 then %d clients%s:\n",
		g.Length, g.Rounds, g.Clients, procs)
	return err
}

// GenerateRun is one phase of streaming clients: the tokens received, the
// wall time and the gaps between tokens as each client saw them (ms).
type GenerateRun struct {
	Tokens  int
	Elapsed time.Duration
	Gaps    []float64
	// PerToken is each request's time per output token after its first
	// (ms): the time from its first token to its last over the tokens
	// between, what serving benchmarks call TPOT. Gaps shows how evenly
	// the tokens came; PerToken how fast each stream went.
	PerToken []float64
	// LongestGap is each request's longest gap between two of its tokens
	// (ms): what the percentiles of Gaps hide when a stream's tokens come
	// in a few large bursts.
	LongestGap []float64
	// ServerCPU and ClientCPU are the CPU time (user+system) the server
	// process and this process (the clients) used meanwhile; negative
	// where the platform does not tell.
	ServerCPU, ClientCPU time.Duration
	// ServerWait and ClientWait are the time the server's and this
	// process's threads spent runnable but waiting for a CPU (the
	// kernel's run-queue wait, /proc/PID/task/*/schedstat); negative where
	// unknown.
	ServerWait, ClientWait time.Duration
	// Server is the generation's timing as the server's /metrics recorded
	// it meanwhile (empty histograms where it could not be read).
	Server ServerTiming
}

// CPUPerToken returns the server's and the clients' CPU time per token
// received, in microseconds (negative where unknown).
func (g GenerateRun) CPUPerToken() (server, client float64) {
	if g.Tokens == 0 {
		return -1, -1
	}
	per := func(d time.Duration) float64 {
		if d < 0 {
			return -1
		}
		return float64(d.Microseconds()) / float64(g.Tokens)
	}
	return per(g.ServerCPU), per(g.ClientCPU)
}

// Rate is the aggregate tokens per second.
func (g GenerateRun) Rate() float64 { return float64(g.Tokens) / g.Elapsed.Seconds() }

// add accumulates o into g.
func (g *GenerateRun) add(o GenerateRun) {
	g.Tokens, g.Elapsed, g.Gaps = g.Tokens+o.Tokens, g.Elapsed+o.Elapsed, append(g.Gaps, o.Gaps...)
	g.PerToken = append(g.PerToken, o.PerToken...)
	g.LongestGap = append(g.LongestGap, o.LongestGap...)
	g.ServerCPU, g.ClientCPU = addCPU(g.ServerCPU, o.ServerCPU), addCPU(g.ClientCPU, o.ClientCPU)
	g.ServerWait, g.ClientWait = addCPU(g.ServerWait, o.ServerWait), addCPU(g.ClientWait, o.ClientWait)
	g.Server = g.Server.add(o.Server)
}

// addCPU adds CPU times, negative (unknown) if either is.
func addCPU(a, b time.Duration) time.Duration {
	if a < 0 || b < 0 {
		return -1
	}
	return a + b
}

// GenerateRound is one round: one client, then Clients clients.
type GenerateRound struct {
	Round, Clients int
	Model          string // "int8" for the quantized model's round, "" for float32
	One, Many      GenerateRun
	Load           string
}

// Ratio is the round's aggregate throughput ratio, many over one client.
func (g GenerateRound) Ratio() float64 { return g.Many.Rate() / g.One.Rate() }

// WriteText writes the round's line.
func (g GenerateRound) WriteText(w io.Writer) error {
	if g.Model != "" {
		fmt.Fprintf(w, "  %s ", g.Model)
	}
	_, err := fmt.Fprintf(w, "  round %d: 1 client %7.0f tokens/s (gap p99 %.2f ms), %d clients %7.0f tokens/s (gap p99 %.2f ms): %.2fx; load %s\n",
		g.Round, g.One.Rate(), Percentile(g.One.Gaps, 0.99), g.Clients, g.Many.Rate(), Percentile(g.Many.Gaps, 0.99), g.Ratio(), g.Load)
	return err
}

// GenerateSummary sums the rounds: all one-client phases, all
// many-client phases, and the per-round ratios of throughput and of p99
// gaps.
type GenerateSummary struct {
	Model            string // as GenerateRound's
	Clients          int
	One, Many        GenerateRun
	Ratios, P99Ratio []float64
	// PerTokenRatio is each round's ratio of p99 time per output token
	// (GenerateRun.PerToken), many over one client.
	PerTokenRatio []float64
}

// WriteText writes the totals and the ratios against the targets.
func (g GenerateSummary) WriteText(w io.Writer) error {
	if g.Model != "" {
		fmt.Fprintf(w, "  %s model:\n", g.Model)
	}
	for _, r := range []struct {
		name string
		run  GenerateRun
	}{{"1 client:  ", g.One}, {fmt.Sprintf("%d clients:", g.Clients), g.Many}} {
		fmt.Fprintf(w, "  %s %6d tokens in %6.2f s = %7.0f tokens/s; between tokens p50 %.2f ms, p99 %.2f ms (a request's longest p50 %.2f ms, p99 %.2f ms); time per output token p50 %.3f ms, p99 %.3f ms (%d requests)\n",
			r.name, r.run.Tokens, r.run.Elapsed.Seconds(), r.run.Rate(), Percentile(r.run.Gaps, 0.5), Percentile(r.run.Gaps, 0.99),
			Percentile(r.run.LongestGap, 0.5), Percentile(r.run.LongestGap, 0.99),
			Percentile(r.run.PerToken, 0.5), Percentile(r.run.PerToken, 0.99), len(r.run.PerToken))
		if t := r.run.Server; t.Gap.Count > 0 {
			fmt.Fprintf(w, "    server side: between token writes p50 %.2f ms, p99 %.2f ms; step to write p50 %.2f ms, p99 %.2f ms; step p50 %.2f ms, p99 %.2f ms (%.0f steps)\n",
				ms(t.Gap, 0.5), ms(t.Gap, 0.99), ms(t.Delay, 0.5), ms(t.Delay, 0.99), ms(t.Step, 0.5), ms(t.Step, 0.99), t.Step.Count)
		}
		if r.run.ServerWait >= 0 && r.run.ClientWait >= 0 && r.run.Tokens > 0 {
			fmt.Fprintf(w, "    run-queue wait (runnable, no CPU) per token: server %.1f us, clients %.1f us\n",
				float64(r.run.ServerWait.Nanoseconds())/1e3/float64(r.run.Tokens), float64(r.run.ClientWait.Nanoseconds())/1e3/float64(r.run.Tokens))
		}
	}
	s1, c1 := g.One.CPUPerToken()
	sm, cm := g.Many.CPUPerToken()
	if s1 > 0 && sm > 0 {
		fmt.Fprintf(w, "  CPU per token: 1 client %.1f us (server %.1f + clients %.1f), %d clients %.1f us (server %.1f + clients %.1f): %.2fx less; server alone %.2fx less\n",
			s1+c1, s1, c1, g.Clients, sm+cm, sm, cm, (s1+c1)/(sm+cm), s1/sm)
	}
	_, err := fmt.Fprintf(w, "  aggregate ratio %.2fx over all rounds, median of rounds %.2fx (target >= 6x); p99 gap ratio %.2fx, median of rounds %.2fx (target <= 3x)\n",
		g.Many.Rate()/g.One.Rate(), Percentile(g.Ratios, 0.5),
		Percentile(g.Many.Gaps, 0.99)/Percentile(g.One.Gaps, 0.99), Percentile(g.P99Ratio, 0.5))
	if err == nil {
		_, err = fmt.Fprintf(w, "  p99 time per output token ratio %.2fx, median of rounds %.2fx (the per-request pace; the gap ratio above is the between-token reading)\n",
			Percentile(g.Many.PerToken, 0.99)/Percentile(g.One.PerToken, 0.99), Percentile(g.PerTokenRatio, 0.5))
	}
	if err == nil && g.One.Server.Gap.Count > 0 && g.Many.Server.Gap.Count > 0 {
		_, err = fmt.Fprintf(w, "  server-side p99 gap ratio %.2fx (%.2f / %.2f ms; beside the clients' figure above, not instead of it)\n",
			g.Many.Server.Gap.Quantile(0.99)/g.One.Server.Gap.Quantile(0.99), ms(g.Many.Server.Gap, 0.99), ms(g.One.Server.Gap, 0.99))
	}
	return err
}

// Latency is the latency of one kind of request sent one at a time.
type Latency struct {
	// What describes the request, e.g. "classify, BiLSTM 128 ...".
	What string
	// Ms are the latencies in milliseconds.
	Ms []float64
}

// WriteText writes "WHAT: p50 ..., p99 ... (N requests)".
func (l Latency) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "%s: p50 %.2f ms, p99 %.2f ms (%d requests)\n", l.What, Percentile(l.Ms, 0.5), Percentile(l.Ms, 0.99), len(l.Ms))
	return err
}

// PeakRSS is the server's peak resident set size.
type PeakRSS string

// WriteText writes "server peak RSS: ...".
func (p PeakRSS) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "server peak RSS: %s\n", string(p))
	return err
}

// Percentile returns the p-quantile (0..1) of xs by the nearest rank
// below, 0 for none. xs is not modified.
func Percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

// sstSentence is a sentence of SST-2's typical length (19 tokens).
const sstSentence = "it 's a charming and often affecting journey , with a smart script and some genuinely funny moments ."
