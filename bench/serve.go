package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/recurrent-go/recurrent/classify"
	"github.com/recurrent-go/recurrent/lm"
	"github.com/recurrent-go/recurrent/lm/tinyshakespeare"
	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/vectors"
)

// ServeConfig is one load test of `recurrent serve` on loopback: the
// server runs as a child process with an LSTM 2x512 character model, an
// SST-2-sized BiLSTM classifier and Words random vectors (random weights:
// the speed does not depend on them), and a bounded number of requests is
// sent to it.
type ServeConfig struct {
	// Command is the recurrent executable, and any arguments to put before
	// "serve", that runs the server (empty: Server).
	Command []string
	// Server is the recurrent executable that runs the server when Command
	// is empty, e.g. an older build under the same load generator ("": this
	// process's own executable).
	Server string
	// ServerArgs are more arguments of the server's serve command, e.g.
	// "--threads", "1".
	ServerArgs []string
	// Stderr receives the server's standard error (nil: discarded).
	Stderr io.Writer
	// Clients streaming clients each run Requests generations of Length
	// tokens, in Rounds rounds of (1 client, Clients clients).
	Clients, Requests, Length, Rounds int
	// Int8 serves the character model quantized to int8 too (lm.Model.Quantize,
	// as model "chars8") and runs every generation round on both models,
	// float32 then int8, for same-run ratios.
	Int8 bool
	// ClientProcs, when > 0, is the GOMAXPROCS of this process (the load
	// generator) during the generation phases: 1 keeps its goroutines on
	// one thread, so that it competes with the server for at most one of
	// the machine's CPUs (0: unchanged).
	ClientProcs int
	// Queries is the number of classify and of similar requests.
	Queries int
	// Words and Dim shape the random vectors.
	Words, Dim int
	// Flip configures the batching flip count run after the load test
	// (skipped when Flip.Samples is 0).
	Flip FlipConfig
	// Trace and Profile, when set, are files that receive a runtime/trace
	// execution trace and a CPU profile of the server (from its loopback
	// debug endpoint) taken during the first many-client phase of the last
	// model (int8 with Int8), for TraceSeconds seconds from the phase's
	// start (default 1); the profile in the second round's phase when
	// both are asked for and there are two rounds, else in the same one.
	Trace, Profile string
	TraceSeconds   float64
	// Dir holds the models ("": a temporary directory, removed): a new
	// directory or one holding only an earlier run's models.
	Dir string
	// Progress, when set, receives each part of the report as soon as it
	// is measured, in the order of ServeReport.Events.
	Progress func(ServeEvent)
}

func (c *ServeConfig) check() error {
	if c.Clients < 1 || c.Requests < 1 || c.Length < 2 || c.Queries < 1 {
		return errors.New("bench serve: --clients, --requests, --queries must be >= 1 and --length >= 2")
	}
	return nil
}

// ServeLoad runs the load test: it writes the models, starts the server,
// measures generation, classify and similar, reads the server's peak RSS,
// stops the server and, with Flip.Samples, counts batching flips.
func ServeLoad(ctx context.Context, c ServeConfig) (*ServeReport, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	r := &ServeReport{}
	emit := func(e ServeEvent) {
		r.Events = append(r.Events, e)
		if c.Progress != nil {
			c.Progress(e)
		}
	}
	emit(LoadAverage{"at start", loadAverage()})
	dir := c.Dir
	if err := checkModelsDir(dir); err != nil {
		return nil, err
	}
	if dir == "" {
		d, err := os.MkdirTemp("", "recurrent-bench-serve-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	args, err := writeServeModels(dir, c.Words, c.Dim, c.Int8)
	if err != nil {
		return nil, fmt.Errorf("bench serve: models: %w", err)
	}
	if c.Trace != "" || c.Profile != "" {
		args = append(args, "--debug-addr", "127.0.0.1:0")
	}
	args = append(args, c.ServerArgs...)
	if len(c.Command) == 0 {
		exe := c.Server
		if exe == "" {
			if exe, err = os.Executable(); err != nil {
				return nil, fmt.Errorf("bench serve: %w", err)
			}
		}
		c.Command = []string{exe}
	}
	srv, err := startServer(ctx, c.Command, c.Stderr, args)
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	if err := r.measure(ctx, &c, srv, emit); err != nil {
		return nil, err
	}
	if c.Flip.Samples > 0 {
		c.Flip.Batch = c.Clients
		f, err := FlipCount(ctx, c.Flip)
		if err != nil {
			return nil, err
		}
		r.Flips = &f
		emit(f)
	}
	return r, nil
}

// measure runs the generation rounds and the latency queries on srv.
func (r *ServeReport) measure(ctx context.Context, c *ServeConfig, srv *server, emit func(ServeEvent)) error {
	if _, err := generate(ctx, srv.url, "chars", 1, 1, 50); err != nil { // warm-up
		return err
	}
	emit(GenerateStart{c.Length, c.Rounds, c.Clients, c.ClientProcs})
	if c.ClientProcs > 0 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(c.ClientProcs))
	}
	r.Generate.Clients = c.Clients
	sums := []*GenerateSummary{&r.Generate}
	if c.Int8 {
		if _, err := generate(ctx, srv.url, "chars8", 1, 1, 50); err != nil { // warm-up
			return err
		}
		r.Generate.Model = "float32"
		r.Generate8 = &GenerateSummary{Model: "int8", Clients: c.Clients}
		sums = append(sums, r.Generate8)
	}
	for round := range max(1, c.Rounds) {
		for _, g := range sums {
			rd := GenerateRound{Round: round + 1, Clients: c.Clients, Model: g.Model}
			model := map[bool]string{false: "chars", true: "chars8"}[g.Model == "int8"]
			var err error
			if rd.One, err = srv.generate(ctx, model, 1, c.Requests, c.Length); err != nil {
				return err
			}
			var records []Traced
			if g == sums[len(sums)-1] {
				records = c.records(round, model)
			}
			if rd.Many, err = srv.generateRecorded(ctx, model, c, records); err != nil {
				return err
			}
			for _, t := range records {
				emit(t)
			}
			rd.Load = loadAverage()
			emit(rd)
			g.Ratios = append(g.Ratios, rd.Ratio())
			g.P99Ratio = append(g.P99Ratio, Percentile(rd.Many.Gaps, 0.99)/Percentile(rd.One.Gaps, 0.99))
			g.PerTokenRatio = append(g.PerTokenRatio, Percentile(rd.Many.PerToken, 0.99)/Percentile(rd.One.PerToken, 0.99))
			g.One.add(rd.One)
			g.Many.add(rd.Many)
		}
	}
	for _, g := range sums {
		emit(*g)
	}
	emit(LoadAverage{"after generate", loadAverage()})
	r.Classify.What = fmt.Sprintf("classify, BiLSTM 128 (300-d embedding, 20k words), one %d-token sentence", len(strings.Fields(sstSentence)))
	var err error
	if r.Classify.Ms, err = latencies(ctx, srv.url, "v1/classify", c.Queries, func() any {
		return map[string]any{"model": "sst", "texts": []string{sstSentence}}
	}); err != nil {
		return err
	}
	emit(r.Classify)
	rng := rand.New(rand.NewPCG(3, 4))
	r.Similar.What = fmt.Sprintf("similar, %d random %d-d vectors, top 10", c.Words, c.Dim)
	if r.Similar.Ms, err = latencies(ctx, srv.url, "v1/similar", c.Queries, func() any {
		return map[string]any{"model": "vec", "positive": []string{fmt.Sprintf("word%d", rng.IntN(c.Words))}, "topn": 10}
	}); err != nil {
		return err
	}
	emit(r.Similar)
	if r.PeakRSS = srv.peakRSS(); r.PeakRSS != "" {
		emit(PeakRSS(r.PeakRSS))
	}
	emit(LoadAverage{"at end", loadAverage()})
	return nil
}

// serveModels are the names writeServeModels gives its models in its
// directory.
var serveModels = []string{"lm", "lm8", "sst", "vectors.bin"}

// checkModelsDir refuses a models directory (ServeConfig.Dir) that holds
// anything but an earlier run's models: writing them replaces what is
// there under their names.
func checkModelsDir(dir string) error {
	es, err := os.ReadDir(dir)
	if dir == "" || errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("bench serve: --dir: %w", err)
	}
	for _, e := range es {
		if !slices.Contains(serveModels, e.Name()) {
			return fmt.Errorf("bench serve: --dir %s holds %s; its models would replace what is there, so give a new directory or one of an earlier run", dir, e.Name())
		}
	}
	return nil
}

// writeServeModels writes the benchmark's models into dir and returns the
// server's --model flags for them (with int8, also the character model
// quantized, as "chars8").
func writeServeModels(dir string, words, dim int, int8 bool) ([]string, error) {
	lmDir, clsDir, vecPath := filepath.Join(dir, "lm"), filepath.Join(dir, "sst"), filepath.Join(dir, "vectors.bin")
	m, err := CharLSTM(512)
	if err != nil {
		return nil, err
	}
	if err := m.Save(lmDir); err != nil {
		return nil, err
	}
	var extra []string
	if int8 {
		if err := m.Quantize(); err != nil {
			return nil, err
		}
		lm8 := filepath.Join(dir, "lm8")
		if err := m.Save(lm8); err != nil {
			return nil, err
		}
		extra = []string{"--model", "chars8=" + lm8}
	}
	c, err := sstClassifier()
	if err != nil {
		return nil, err
	}
	if err := c.Save(clsDir); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	vec := &vectors.Vectors{Dim: dim, Data: make([]float32, words*dim), Words: make([]string, words)}
	for i := range vec.Words {
		vec.Words[i] = fmt.Sprintf("word%d", i)
	}
	for i := range vec.Data {
		vec.Data[i] = float32(rng.NormFloat64())
	}
	if err := vectors.Save(vecPath, vec, vectors.Word2VecBinary); err != nil {
		return nil, err
	}
	return append([]string{"--model", "chars=" + lmDir, "--model", "sst=" + clsDir, "--model", "vec=" + vecPath}, extra...), nil
}

// sstClassifier is an SST-2-sized classifier with random weights: 20k
// words (those of sstSentence first), 300-d embedding, BiLSTM 128, max
// pool.
func sstClassifier() (*classify.Model, error) {
	words := make([]string, 20000)
	for i := range words {
		words[i] = fmt.Sprintf("w%d", i)
	}
	seen := map[string]bool{}
	k := 0
	for _, w := range strings.Fields(sstSentence) {
		if !seen[w] {
			seen[w], words[k] = true, w
			k++
		}
	}
	v, err := text.NewVocab(append([]string{text.PAD, text.UNK}, words...), nil, []string{text.PAD, text.UNK})
	if err != nil {
		return nil, err
	}
	cfg := classify.Config{Arch: classify.ArchRNN, VocabSize: v.Len(), Embed: 300, Cell: "lstm", Hidden: 128, Layers: 1,
		Bidirectional: true, Pool: classify.PoolMax, Classes: 2, Tokenizer: text.Tokenizer{Mode: text.Whitespace, Lower: true}}
	return classify.New(cfg, v, []string{"negative", "positive"}, 1)
}

// CharLSTM is a 2-layer LSTM character model over tiny-shakespeare's
// characters with hidden size H (random weights, seed 1).
func CharLSTM(H int) (*lm.Model, error) {
	v, err := tinyshakespeare.Vocab()
	if err != nil {
		return nil, err
	}
	return lm.New(lm.Config{Arch: lm.Arch{Cell: "lstm", VocabSize: v.Len(), EmbedDim: 64, Hidden: H, Layers: 2}, Tokenizer: tinyshakespeare.Tokenizer()}, v, 1)
}

// server is a `recurrent serve` child process.
type server struct {
	cmd      *exec.Cmd
	url      string
	debugURL string // its debug endpoints ("" without --debug-addr)
}

// startServer starts command serve on a free loopback port with the model
// flags and waits for the URL it prints.
func startServer(ctx context.Context, command []string, stderr io.Writer, models []string) (*server, error) {
	if len(command) == 0 {
		return nil, errors.New("bench serve: no server command")
	}
	args := append(slices.Clone(command[1:]), "serve", "--addr", "127.0.0.1:0", "--quiet", "--max-batch", "32", "--queue", "1024", "--max-length", "100000")
	cmd := exec.CommandContext(ctx, command[0], append(args, models...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "debug endpoints (loopback only): "); ok {
			s.debugURL = strings.TrimSuffix(strings.Fields(rest)[0], "trace?seconds=N,")
		}
		if _, rest, ok := strings.Cut(sc.Text(), " on http://"); ok {
			s.url = "http://" + strings.Fields(rest)[0]
			break
		}
	}
	if s.url == "" {
		s.stop()
		return nil, errors.New("bench serve: the server printed no URL")
	}
	go io.Copy(io.Discard, stdout)
	return s, nil
}

// stop interrupts the server and waits for it to exit.
func (s *server) stop() {
	s.cmd.Process.Signal(os.Interrupt)
	s.cmd.Wait()
}

// generate runs generate on the server and measures the CPU time the
// server and the clients used meanwhile.
func (s *server) generate(ctx context.Context, model string, clients, requests, length int) (GenerateRun, error) {
	m0, err := s.timing(ctx, model)
	if err != nil {
		return GenerateRun{}, err
	}
	s0, c0 := s.cpu(), ProcessCPU()
	w0, cw0 := runQueueWait(s.cmd.Process.Pid), runQueueWait(os.Getpid())
	run, err := generate(ctx, s.url, model, clients, requests, length)
	s1, c1 := s.cpu(), ProcessCPU()
	w1, cw1 := runQueueWait(s.cmd.Process.Pid), runQueueWait(os.Getpid())
	run.ServerCPU, run.ClientCPU, run.ServerWait, run.ClientWait = -1, -1, -1, -1
	if s0 >= 0 && s1 >= 0 {
		run.ServerCPU = s1 - s0
	}
	if c0 >= 0 && c1 >= 0 {
		run.ClientCPU = c1 - c0
	}
	if w0 >= 0 && w1 >= 0 && cw0 >= 0 && cw1 >= 0 {
		run.ServerWait, run.ClientWait = w1-w0, cw1-cw0
	}
	if err != nil {
		return run, err
	}
	m1, err := s.timing(ctx, model)
	run.Server = m1.sub(m0)
	return run, err
}

// peakRSS returns the server's VmHWM from /proc ("" where unknown).
func (s *server) peakRSS() string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			return strings.Join(strings.Fields(line)[1:], " ")
		}
	}
	return ""
}

// generate runs clients streaming clients on model of the server at url,
// each requests generations of length tokens.
func generate(ctx context.Context, url, model string, clients, requests, length int) (GenerateRun, error) {
	var (
		mu    sync.Mutex
		run   GenerateRun
		first error
		wg    sync.WaitGroup
	)
	start := time.Now()
	for c := range clients {
		wg.Go(func() {
			for k := range requests {
				n, gaps, err := stream(ctx, url, model, c*1000+k, length)
				mu.Lock()
				run.Gaps = append(run.Gaps, gaps...)
				if len(gaps) > 0 {
					var sum float64
					for _, g := range gaps {
						sum += g
					}
					run.PerToken = append(run.PerToken, sum/float64(len(gaps)))
					run.LongestGap = append(run.LongestGap, slices.Max(gaps))
				}
				run.Tokens += n
				if err == nil && n != length {
					err = fmt.Errorf("a generation gave %d tokens, want %d", n, length)
				}
				if first == nil {
					first = err
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	run.Elapsed = time.Since(start)
	return run, first
}

// stream runs one streamed generation and returns the tokens received and
// the gaps between them (ms).
func stream(ctx context.Context, url, model string, seed, length int) (int, []float64, error) {
	body, _ := json.Marshal(map[string]any{"model": model, "length": length, "seed": seed, "stream": true, "prompt": "ROMEO:"})
	res, err := post(ctx, url+"v1/generate", body)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	var gaps []float64
	n := 0
	last := time.Time{}
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		line := sc.Bytes()
		if !bytes.HasPrefix(line, []byte("data: ")) || bytes.Contains(line, []byte(`"done":true`)) {
			continue
		}
		now := time.Now()
		if !last.IsZero() {
			gaps = append(gaps, float64(now.Sub(last).Microseconds())/1000)
		}
		last = now
		n++
	}
	return n, gaps, sc.Err()
}

func post(ctx context.Context, url string, body []byte) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	return http.DefaultClient.Do(req)
}

// latencies posts n requests one at a time and returns their times (ms).
func latencies(ctx context.Context, url, path string, n int, body func() any) ([]float64, error) {
	out := make([]float64, 0, n)
	for range n {
		b, _ := json.Marshal(body())
		t0 := time.Now()
		res, err := post(ctx, url+path, b)
		if err != nil {
			return nil, err
		}
		data, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("%s: %d %s", path, res.StatusCode, data)
		}
		out = append(out, float64(time.Since(t0).Microseconds())/1000)
	}
	return out, nil
}
