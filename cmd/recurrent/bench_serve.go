package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/recurrent-go/recurrent/classify"
	"github.com/recurrent-go/recurrent/lm"
	"github.com/recurrent-go/recurrent/lm/tinyshakespeare"
	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/vectors"
)

// benchServeFlags are the flags of `recurrent bench serve`.
type benchServeFlags struct {
	clients, requests, length int
	rounds                    int
	queries                   int
	words, dim                int
	flipSamples, flipLength   int
	flipHidden                int
	keep                      string
}

func init() {
	benchCmd.AddCommand(newBenchServeCmd())
}

func newBenchServeCmd() *cobra.Command {
	var f benchServeFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Load-test recurrent serve on loopback: batched streaming generation, classify and similar latency, peak RSS",
		Long: `Bench serve starts "recurrent serve" as a child process on 127.0.0.1 with an
LSTM 2x512 character model, an SST-2-sized BiLSTM classifier and 100k random
word vectors (random weights: the speed does not depend on them), then runs a
bounded number of requests and stops:

  1. one streaming client, then --clients concurrent streaming clients, each
     --requests generations of --length tokens: aggregate tokens/s (and the
     ratio) and p50/p99 of the time between tokens as a client sees it;
  2. --queries classify requests of one SST-2-sized sentence, and --queries
     similar requests, one at a time: p50/p99 latency;
  3. the server's peak RSS (VmHWM).

With --flip-samples N it also generates N samples alone and N in batches of
--clients (in-process, lm.Batch) and counts the samples where batching
changed a token (float32 rounding of another product shape).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runBenchServe(cmd.Context(), cmd.OutOrStdout(), &f) },
	}
	fl := cmd.Flags()
	fl.IntVar(&f.clients, "clients", 16, "concurrent streaming clients")
	fl.IntVar(&f.requests, "requests", 3, "generations per client")
	fl.IntVar(&f.length, "length", 300, "tokens per generation")
	fl.IntVar(&f.rounds, "rounds", 3, "rounds of (1 client, --clients clients), for same-moment ratios on a busy machine")
	fl.IntVar(&f.queries, "queries", 300, "classify and similar requests")
	fl.IntVar(&f.words, "words", 100000, "vector vocabulary size")
	fl.IntVar(&f.dim, "dim", 300, "vector dimension")
	fl.IntVar(&f.flipSamples, "flip-samples", 0, "samples for the batching flip count (0: skip)")
	fl.IntVar(&f.flipLength, "flip-length", 100, "tokens per flip-count sample")
	fl.IntVar(&f.flipHidden, "flip-hidden", 512, "hidden size of the flip-count model (2 layers)")
	fl.StringVar(&f.keep, "dir", "", "directory for the models (default: a temporary one, removed)")
	return cmd
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

// benchModels writes the benchmark's models into dir.
func benchModels(dir string, f *benchServeFlags) (lmDir, clsDir, vecPath string, err error) {
	lmDir, clsDir, vecPath = filepath.Join(dir, "lm"), filepath.Join(dir, "sst"), filepath.Join(dir, "vectors.bin")
	m, err := charLSTM(512)
	if err != nil {
		return
	}
	if err = m.Save(lmDir); err != nil {
		return
	}
	// SST-2 size: 20k words, 300-d embedding, BiLSTM 128, max pool.
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
		return
	}
	cfg := classify.Config{Arch: classify.ArchRNN, VocabSize: v.Len(), Embed: 300, Cell: "lstm", Hidden: 128, Layers: 1,
		Bidirectional: true, Pool: classify.PoolMax, Classes: 2, Tokenizer: text.Tokenizer{Mode: text.Whitespace, Lower: true}}
	c, err := classify.New(cfg, v, []string{"negative", "positive"}, 1)
	if err != nil {
		return
	}
	if err = c.Save(clsDir); err != nil {
		return
	}
	r := rand.New(rand.NewPCG(1, 2))
	vec := &vectors.Vectors{Dim: f.dim, Data: make([]float32, f.words*f.dim), Words: make([]string, f.words)}
	for i := range vec.Words {
		vec.Words[i] = fmt.Sprintf("word%d", i)
	}
	for i := range vec.Data {
		vec.Data[i] = float32(r.NormFloat64())
	}
	err = vectors.Save(vecPath, vec, vectors.Word2VecBinary)
	return
}

// sstSentence is a sentence of SST-2's typical length (19 tokens).
const sstSentence = "it 's a charming and often affecting journey , with a smart script and some genuinely funny moments ."

// charLSTM is a 2-layer LSTM character model over tiny-shakespeare's
// characters with hidden size H (random weights).
func charLSTM(H int) (*lm.Model, error) {
	tok := text.Tokenizer{Mode: text.Chars, EOS: "\n"}
	c := text.NewCounter()
	for _, line := range strings.Split(tinyshakespeare.Text, "\n") {
		c.Add(tok.Tokenize(line))
	}
	v, err := text.BuildVocab(c, text.VocabOptions{Specials: []string{}})
	if err != nil {
		return nil, err
	}
	return lm.New(lm.Config{Cell: "lstm", VocabSize: v.Len(), EmbedDim: 64, Hidden: H, Layers: 2, Tokenizer: tok}, v, 1)
}

func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

// genPhase runs clients streaming clients, each requests generations, and
// returns the tokens, the wall time and the gaps between tokens (ms).
func genPhase(url string, clients, requests, length int) (int, time.Duration, []float64, error) {
	var (
		mu     sync.Mutex
		gaps   []float64
		tokens int
		first  error
		wg     sync.WaitGroup
	)
	start := time.Now()
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range requests {
				body, _ := json.Marshal(map[string]any{"model": "chars", "length": length, "seed": c*1000 + k, "stream": true, "prompt": "ROMEO:"})
				res, err := http.Post(url+"v1/generate", "application/json", bytes.NewReader(body))
				if err != nil {
					mu.Lock()
					first = err
					mu.Unlock()
					return
				}
				sc := bufio.NewScanner(res.Body)
				var my []float64
				n := 0
				last := time.Time{}
				for sc.Scan() {
					line := sc.Text()
					if !strings.HasPrefix(line, "data: ") || strings.Contains(line, `"done":true`) {
						continue
					}
					now := time.Now()
					if !last.IsZero() {
						my = append(my, float64(now.Sub(last).Microseconds())/1000)
					}
					last = now
					n++
				}
				res.Body.Close()
				mu.Lock()
				gaps = append(gaps, my...)
				tokens += n
				if n != length && first == nil {
					first = fmt.Errorf("a generation gave %d tokens, want %d", n, length)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return tokens, time.Since(start), gaps, first
}

// latencies posts n requests one at a time and returns their times (ms).
func latencies(url, path string, n int, body func(i int) any) ([]float64, error) {
	out := make([]float64, 0, n)
	for i := range n {
		b, _ := json.Marshal(body(i))
		t0 := time.Now()
		res, err := http.Post(url+path, "application/json", bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		data, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			return nil, fmt.Errorf("%s: %d %s", path, res.StatusCode, data)
		}
		out = append(out, float64(time.Since(t0).Microseconds())/1000)
	}
	return out, nil
}

func runBenchServe(ctx context.Context, out io.Writer, f *benchServeFlags) error {
	if f.clients < 1 || f.requests < 1 || f.length < 2 || f.queries < 1 {
		return fmt.Errorf("bench serve: --clients, --requests, --queries must be >= 1 and --length >= 2")
	}
	fmt.Fprintf(out, "load average at start: %s\n", loadAvg())
	dir := f.keep
	if dir == "" {
		d, err := os.MkdirTemp("", "recurrent-bench-serve-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	lmDir, clsDir, vecPath, err := benchModels(dir, f)
	if err != nil {
		return fmt.Errorf("bench serve: models: %w", err)
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	child := exec.CommandContext(ctx, exe, "serve", "--addr", "127.0.0.1:0", "--quiet", "--max-batch", "32", "--queue", "1024",
		"--max-length", "100000", "--model", "chars="+lmDir, "--model", "sst="+clsDir, "--model", "vec="+vecPath)
	stdout, _ := child.StdoutPipe()
	child.Stderr = os.Stderr
	if err := child.Start(); err != nil {
		return err
	}
	defer func() {
		child.Process.Signal(os.Interrupt)
		child.Wait()
	}()
	sc := bufio.NewScanner(stdout)
	url := ""
	for sc.Scan() {
		if _, rest, ok := strings.Cut(sc.Text(), " on http://"); ok {
			url = "http://" + strings.Fields(rest)[0]
			break
		}
	}
	if url == "" {
		return fmt.Errorf("bench serve: the server printed no URL")
	}
	go io.Copy(io.Discard, stdout)

	// Warm up, then one client, then many.
	if _, _, _, err := genPhase(url, 1, 1, 50); err != nil {
		return err
	}
	var (
		g1, gC       []float64
		n1, nC       int
		d1, dC       time.Duration
		ratios, p99s []float64
	)
	fmt.Fprintf(out, "generate, LSTM 2x512 characters, %d tokens per request, streamed, %d rounds of 1 then %d clients:\n", f.length, f.rounds, f.clients)
	for round := range max(1, f.rounds) {
		a, da, ga, err := genPhase(url, 1, f.requests, f.length)
		if err != nil {
			return err
		}
		b, db, gb, err := genPhase(url, f.clients, f.requests, f.length)
		if err != nil {
			return err
		}
		ra, rb := float64(a)/da.Seconds(), float64(b)/db.Seconds()
		ratios = append(ratios, rb/ra)
		p99s = append(p99s, percentile(gb, 0.99)/percentile(ga, 0.99))
		fmt.Fprintf(out, "  round %d: 1 client %7.0f tokens/s (gap p99 %.2f ms), %d clients %7.0f tokens/s (gap p99 %.2f ms): %.2fx; load %s\n",
			round+1, ra, percentile(ga, 0.99), f.clients, rb, percentile(gb, 0.99), rb/ra, loadAvg())
		n1, d1, g1 = n1+a, d1+da, append(g1, ga...)
		nC, dC, gC = nC+b, dC+db, append(gC, gb...)
	}
	r1, rC := float64(n1)/d1.Seconds(), float64(nC)/dC.Seconds()
	fmt.Fprintf(out, "  1 client:   %6d tokens in %6.2f s = %7.0f tokens/s; between tokens p50 %.2f ms, p99 %.2f ms\n", n1, d1.Seconds(), r1, percentile(g1, 0.5), percentile(g1, 0.99))
	fmt.Fprintf(out, "  %d clients: %6d tokens in %6.2f s = %7.0f tokens/s; between tokens p50 %.2f ms, p99 %.2f ms\n", f.clients, nC, dC.Seconds(), rC, percentile(gC, 0.5), percentile(gC, 0.99))
	fmt.Fprintf(out, "  aggregate ratio %.2fx over all rounds, median of rounds %.2fx (target >= 6x); p99 gap ratio %.2fx, median of rounds %.2fx (target <= 3x)\n",
		rC/r1, percentile(ratios, 0.5), percentile(gC, 0.99)/percentile(g1, 0.99), percentile(p99s, 0.5))
	fmt.Fprintf(out, "load average after generate: %s\n", loadAvg())

	cl, err := latencies(url, "v1/classify", f.queries, func(int) any { return map[string]any{"model": "sst", "texts": []string{sstSentence}} })
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "classify, BiLSTM 128 (300-d embedding, 20k words), one %d-token sentence: p50 %.2f ms, p99 %.2f ms (%d requests)\n",
		len(strings.Fields(sstSentence)), percentile(cl, 0.5), percentile(cl, 0.99), f.queries)
	r := rand.New(rand.NewPCG(3, 4))
	sim, err := latencies(url, "v1/similar", f.queries, func(int) any {
		return map[string]any{"model": "vec", "positive": []string{fmt.Sprintf("word%d", r.IntN(f.words))}, "topn": 10}
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "similar, %d random %d-d vectors, top 10: p50 %.2f ms, p99 %.2f ms (%d requests)\n", f.words, f.dim, percentile(sim, 0.5), percentile(sim, 0.99), f.queries)
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", child.Process.Pid)); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "VmHWM:") {
				fmt.Fprintf(out, "server peak RSS: %s\n", strings.Join(strings.Fields(line)[1:], " "))
			}
		}
	}
	fmt.Fprintf(out, "load average at end: %s\n", loadAvg())
	if f.flipSamples > 0 {
		return flipCount(ctx, out, f)
	}
	return nil
}

// flipCount generates flipSamples samples alone (Sample's exact path) and
// in batches of f.clients, and counts the samples whose tokens differ.
func flipCount(ctx context.Context, out io.Writer, f *benchServeFlags) error {
	m, err := charLSTM(f.flipHidden)
	if err != nil {
		return err
	}
	b, err := m.NewBatch(f.clients)
	if err != nil {
		return err
	}
	defer b.Close()
	prompt, err := m.EncodePrompt("ROMEO:")
	if err != nil {
		return err
	}
	opt := func(i int) lm.SampleOptions {
		return lm.SampleOptions{Prompt: prompt, MaxTokens: f.flipLength, Seed: uint64(i), Temperature: 0.8}
	}
	emitted := make([]int32, f.clients)
	var alone, batched [][]int32
	t0 := time.Now()
	for i := range f.flipSamples {
		if err := ctx.Err(); err != nil {
			return err
		}
		s, err := b.NewStream(opt(i))
		if err != nil {
			return err
		}
		for !s.Done() {
			if err := b.Step([]*lm.Stream{s}, emitted); err != nil {
				return err
			}
		}
		alone = append(alone, slices.Clone(s.Tokens()))
	}
	tAlone := time.Since(t0)
	t0 = time.Now()
	for lo := 0; lo < f.flipSamples; lo += f.clients {
		var ss []*lm.Stream
		for i := lo; i < min(lo+f.clients, f.flipSamples); i++ {
			s, err := b.NewStream(opt(i))
			if err != nil {
				return err
			}
			ss = append(ss, s)
		}
		all := slices.Clone(ss)
		for len(ss) > 0 {
			if err := b.Step(ss, emitted); err != nil {
				return err
			}
			ss = slices.DeleteFunc(ss, (*lm.Stream).Done)
		}
		for _, s := range all {
			batched = append(batched, slices.Clone(s.Tokens()))
		}
	}
	tBatched := time.Since(t0)
	differ, firstSum := 0, 0
	for i := range alone {
		if !slices.Equal(alone[i], batched[i]) {
			differ++
			k := 0
			for k < min(len(alone[i]), len(batched[i])) && alone[i][k] == batched[i][k] {
				k++
			}
			firstSum += k
		}
	}
	fmt.Fprintf(out, "batching flips, LSTM 2x%d, %d samples of %d tokens at temperature 0.8, batches of %d: %d samples differ from the lone run (%.2f%%)",
		f.flipHidden, f.flipSamples, f.flipLength, f.clients, differ, 100*float64(differ)/float64(f.flipSamples))
	if differ > 0 {
		fmt.Fprintf(out, ", first differing token at %.1f on average", float64(firstSum)/float64(differ))
	}
	fmt.Fprintf(out, "\n  (alone %.1f s, batched %.1f s, in-process; load average %s)\n", tAlone.Seconds(), tBatched.Seconds(), loadAvg())
	return nil
}
