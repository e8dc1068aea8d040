package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/recurrent-go/recurrent/serve"
)

// The server-side view of a load test: the server's generation timing
// histograms (from /metrics), the run-queue wait of its threads, and
// execution traces and CPU profiles from its loopback debug endpoint.

// ServerTiming is what the server's histograms saw of a phase: its
// batched steps' durations, the gaps between a stream's token writes and
// the delays from a token's step to its write.
type ServerTiming struct {
	Step, Gap, Delay serve.Histogram
}

// timingMetrics are the histograms ServerTiming reads, in its order.
var timingMetrics = []string{"recurrent_generate_step_seconds", "recurrent_generate_token_gap_seconds", "recurrent_generate_token_delay_seconds"}

func (t *ServerTiming) fields() []*serve.Histogram {
	return []*serve.Histogram{&t.Step, &t.Gap, &t.Delay}
}

// readTiming reads model's timing histograms from a /metrics page.
func readTiming(page []byte, model string) (ServerTiming, error) {
	var t ServerTiming
	hs, err := serve.ReadHistograms(page, model, timingMetrics...)
	if err != nil {
		return t, err
	}
	for i, h := range t.fields() {
		*h = hs[i]
	}
	return t, nil
}

// sub returns t minus an earlier reading o.
func (t ServerTiming) sub(o ServerTiming) ServerTiming {
	var d ServerTiming
	for i, h := range d.fields() {
		*h = t.fields()[i].Sub(*o.fields()[i])
	}
	return d
}

// add returns t plus o.
func (t ServerTiming) add(o ServerTiming) ServerTiming {
	var d ServerTiming
	for i, h := range d.fields() {
		*h = t.fields()[i].Add(*o.fields()[i])
	}
	return d
}

// ms returns h's p-quantile in milliseconds.
func ms(h serve.Histogram, p float64) float64 { return 1000 * h.Quantile(p) }

// Traced reports the server's execution trace or CPU profile (What:
// "trace" or "profile") written to File.
type Traced struct {
	What, File, Model string
}

// WriteText says where the record is and how to read it.
func (t Traced) WriteText(w io.Writer) error {
	tool := map[string]string{"trace": "go tool trace", "profile": "go tool pprof"}[t.What]
	_, err := fmt.Fprintf(w, "  server %s of a %s many-client phase: %s (%s %s)\n", t.What, t.Model, t.File, tool, t.File)
	return err
}

// record writes an execution trace or CPU profile (what: "trace" or
// "profile") of the server lasting seconds (default 1) to file.
func (s *server) record(ctx context.Context, what, file string, seconds float64) error {
	if s.debugURL == "" {
		return errors.New("bench serve: the server printed no debug URL")
	}
	if seconds <= 0 {
		seconds = 1
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s%s?seconds=%g", s.debugURL, what, seconds), nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("bench serve: %s: %w", what, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		return fmt.Errorf("bench serve: %s: %s %s", what, res.Status, b)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, res.Body); err != nil {
		f.Close()
		return fmt.Errorf("bench serve: %s: %w", what, err)
	}
	return f.Close()
}

// timing reads the server's generation timing histograms of model.
func (s *server) timing(ctx context.Context, model string) (ServerTiming, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url+"metrics", nil)
	if err != nil {
		return ServerTiming{}, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return ServerTiming{}, err
	}
	defer res.Body.Close()
	page, err := io.ReadAll(res.Body)
	if err != nil {
		return ServerTiming{}, err
	}
	if res.StatusCode != http.StatusOK {
		return ServerTiming{}, fmt.Errorf("bench serve: the server's /metrics: %s", res.Status)
	}
	if !bytes.Contains(page, []byte(timingMetrics[0])) {
		return ServerTiming{}, nil // a server from before these histograms: no server-side figures
	}
	t, err := readTiming(page, model)
	if err != nil {
		return ServerTiming{}, fmt.Errorf("bench serve: the server's /metrics: %w", err)
	}
	return t, nil
}

// runQueueWait returns the time the threads of process pid have spent
// runnable, waiting for a CPU (the second field of Linux's
// /proc/PID/task/TID/schedstat, summed), or -1 where unknown.
func runQueueWait(pid int) time.Duration {
	dir := fmt.Sprintf("/proc/%d/task", pid)
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return -1
	}
	var sum int64
	for _, t := range tasks {
		b, err := os.ReadFile(filepath.Join(dir, t.Name(), "schedstat"))
		if err != nil {
			continue // the thread exited meanwhile
		}
		f := strings.Fields(string(b))
		if len(f) < 2 {
			return -1
		}
		ns, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			return -1
		}
		sum += ns
	}
	return time.Duration(sum)
}

// cpu returns the server's user+system CPU time from /proc/PID/stat (in
// clock ticks of 1/100 s, Linux's USER_HZ), or -1 where unknown.
func (s *server) cpu() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return -1
	}
	i := bytes.LastIndex(b, []byte(") ")) // after the command name, which may hold spaces
	if i < 0 {
		return -1
	}
	f := strings.Fields(string(b[i+2:]))
	if len(f) < 13 {
		return -1
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return -1
	}
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// records returns the traces and profiles c asks for in the many-client
// phase of round (from 0) of model, the last model of each round.
func (c *ServeConfig) records(round int, model string) []Traced {
	var out []Traced
	profileRound := 0
	if c.Trace != "" && c.Rounds > 1 {
		profileRound = 1
	}
	if c.Trace != "" && round == 0 {
		out = append(out, Traced{"trace", c.Trace, model})
	}
	if c.Profile != "" && round == profileRound {
		out = append(out, Traced{"profile", c.Profile, model})
	}
	return out
}

// generateRecorded runs c's many-client phase on model while taking the
// records from the server.
func (s *server) generateRecorded(ctx context.Context, model string, c *ServeConfig, records []Traced) (GenerateRun, error) {
	done := make(chan error, len(records))
	for _, t := range records {
		go func() { done <- s.record(ctx, t.What, t.File, c.TraceSeconds) }()
	}
	run, err := s.generate(ctx, model, c.Clients, c.Requests, c.Length)
	for range records {
		if rerr := <-done; err == nil {
			err = rerr
		}
	}
	return run, err
}
