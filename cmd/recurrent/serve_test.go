package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/recurrent-go/recurrent/infer"
	"github.com/recurrent-go/recurrent/infer/infertest"
	"github.com/recurrent-go/recurrent/internal/cli"
)

// startServe runs `recurrent serve` (runServe) on a free loopback port
// with the given models until the test ends, and returns its URL.
func startServe(t *testing.T, models ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	f := &serveFlags{models: models, addr: "127.0.0.1:0", grace: 5 * time.Second, quiet: true}
	go func() { done <- runServe(ctx, io.Discard, io.Discard, f, ready) }()
	select {
	case url := <-ready:
		t.Cleanup(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
		})
		return url
	case err := <-done:
		cancel()
		t.Fatalf("serve: %v", err)
	}
	return ""
}

func postJSON(t *testing.T, url string, body any, out any) {
	t.Helper()
	b, _ := json.Marshal(body)
	res, err := http.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("POST %s: %d %s", url, res.StatusCode, data)
	}
	if err := json.Unmarshal(data, out); err != nil {
		t.Fatalf("%s: %v", data, err)
	}
}

func cliOut(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	out, err := runCLIIn(t, stdin, args...)
	if err != nil {
		t.Fatalf("recurrent %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// TestServeMatchesCLI checks that the server answers what the commands
// print, on small models of every kind: generate (lm sample --json),
// score (lm score --json), classify (classify predict --json), tag (tag
// predict), translate (translate run --json) and similar/analogy (vectors
// similar/analogy --json).
func TestServeMatchesCLI(t *testing.T) {
	p, err := infertest.Build(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	url := startServe(t, "chars="+p.LM, "words="+p.WordLM, "sentiment="+p.Classify, "ner="+p.Tag,
		"dates="+p.Translate, "vec="+p.Vectors)
	checkServeGenerate(t, url, p)
	checkServeScore(t, url, p)
	checkServeClassify(t, url, p)
	checkServeTag(t, url, p)
	checkServeTranslate(t, url, p)
	checkServeNeighbors(t, url, p)
}

// checkServeGenerate checks that /v1/generate of the server at url
// samples what lm sample --json does, from the character and the word
// model of p, with the same options.
func checkServeGenerate(t *testing.T, url string, p infertest.Paths) {
	t.Helper()
	for _, c := range []struct {
		model string
		args  []string
		req   map[string]any
	}{
		{"chars", []string{"--prompt", "ROMEO:", "--length", "150", "--seed", "3", "--n", "2"}, map[string]any{"prompt": "ROMEO:", "length": 150, "seed": 3, "n": 2}},
		{"chars", []string{"--temperature", "0.6", "--top-k", "8", "--length", "60"}, map[string]any{"temperature": 0.6, "top_k": 8, "length": 60}},
		{"words", []string{"--prompt", "the soup", "--length", "20", "--top-p", "0.8", "--seed", "9"}, map[string]any{"prompt": "the soup", "length": 20, "top_p": 0.8, "seed": 9}},
		{"words", []string{"--length", "12", "--no-unk", "--stop-at-eos=false", "--temperature", "0"}, map[string]any{"length": 12, "no_unk": true, "stop_at_eos": false, "temperature": 0}},
	} {
		path := map[string]string{"chars": p.LM, "words": p.WordLM}[c.model]
		var want, got infer.GenerateResult
		if err := json.Unmarshal([]byte(cliOut(t, "", append([]string{"lm", "sample", "--model", path, "--json"}, c.args...)...)), &want); err != nil {
			t.Fatal(err)
		}
		c.req["model"] = c.model
		postJSON(t, url+"v1/generate", c.req, &got)
		if fmt.Sprintf("%q", got.Samples) != fmt.Sprintf("%q", want.Samples) || len(want.Samples) == 0 {
			t.Errorf("generate %v:\nserver %q\nCLI    %q", c.args, got.Samples, want.Samples)
		}
	}
}

// checkServeScore checks that /v1/score of the server at url gives what
// lm score --json does on the character model of p.
func checkServeScore(t *testing.T, url string, p infertest.Paths) {
	t.Helper()
	texts := []string{"First Citizen:", "Before we proceed any further, hear me speak."}
	var wantScore, gotScore infer.ScoreResult
	if err := json.Unmarshal([]byte(cliOut(t, strings.Join(texts, "\n")+"\n", "lm", "score", "--model", p.LM, "--json")), &wantScore); err != nil {
		t.Fatal(err)
	}
	postJSON(t, url+"v1/score", map[string]any{"model": "chars", "texts": texts}, &gotScore)
	if gj, wj := mustJSON(gotScore), mustJSON(wantScore); gj != wj {
		t.Errorf("score: server %+v, CLI %+v", gotScore, wantScore)
	}
}

// checkServeClassify checks that /v1/classify of the server at url gives
// the labels and probabilities classify predict --json prints for the
// classifier of p.
func checkServeClassify(t *testing.T, url string, p infertest.Paths) {
	t.Helper()
	sents := []string{"the soup was lovely", "a dull and tired plot", "what a day"}
	var gotCl infer.ClassifyResult
	postJSON(t, url+"v1/classify", map[string]any{"model": "sentiment", "texts": sents}, &gotCl)
	for i, line := range strings.Split(strings.TrimSpace(cliOut(t, strings.Join(sents, "\n"), "classify", "predict", "--model", p.Classify, "--json")), "\n") {
		var want struct {
			Label string             `json:"label"`
			Probs map[string]float32 `json:"probabilities"`
		}
		if err := json.Unmarshal([]byte(line), &want); err != nil {
			t.Fatal(err)
		}
		if g := gotCl.Predictions[i]; g.Label != want.Label || fmt.Sprint(g.Probs) != fmt.Sprint(want.Probs) {
			t.Errorf("classify %q: server %+v, CLI %+v", sents[i], g, want)
		}
	}
}

// checkServeTag checks that /v1/tag of the server at url gives the tags
// tag predict prints for the tagger of p.
func checkServeTag(t *testing.T, url string, p infertest.Paths) {
	t.Helper()
	conll := filepath.Join(t.TempDir(), "tokens.txt")
	toks := [][]string{{"Marta", "went", "to", "Paris", "."}, {"John", "likes", "the", "old", "mill"}}
	var b strings.Builder
	for _, s := range toks {
		b.WriteString(strings.Join(s, " O\n") + " O\n\n") // (a gold column: the command's input format)
	}
	os.WriteFile(conll, []byte(b.String()), 0o644)
	var gotTag infer.TagResult
	postJSON(t, url+"v1/tag", map[string]any{"model": "ner", "tokens": toks}, &gotTag)
	var cliTags [][]string
	cur := []string{}
	for _, line := range strings.Split(cliOut(t, "", "tag", "predict", "--model", p.Tag, "--data", conll), "\n") {
		if f := strings.Fields(line); len(f) == 3 {
			cur = append(cur, f[2])
		} else if len(cur) > 0 {
			cliTags, cur = append(cliTags, cur), []string{}
		}
	}
	for i := range toks {
		if fmt.Sprint(gotTag.Sentences[i].Tags) != fmt.Sprint(cliTags[i]) {
			t.Errorf("tag %v: server %v, CLI %v", toks[i], gotTag.Sentences[i].Tags, cliTags[i])
		}
	}
}

// checkServeTranslate checks that /v1/translate of the server at url gives
// the outputs and log-probabilities translate run --json prints with the
// translator of p, beam 3.
func checkServeTranslate(t *testing.T, url string, p infertest.Paths) {
	t.Helper()
	dates := []string{"3 May 1979", "tuesday, june 5, 2001"}
	var gotTr infer.TranslateResult
	postJSON(t, url+"v1/translate", map[string]any{"model": "dates", "texts": dates, "beam": 3}, &gotTr)
	for i, line := range strings.Split(strings.TrimSpace(cliOut(t, strings.Join(dates, "\n"), "translate", "run", "--model", p.Translate, "--beam", "3", "--json")), "\n") {
		var want struct {
			Output  string  `json:"output"`
			LogProb float64 `json:"logprob"`
		}
		json.Unmarshal([]byte(line), &want)
		if g := gotTr.Translations[i]; g.Text != want.Output || g.LogProb != want.LogProb {
			t.Errorf("translate %q: server %q %v, CLI %q %v", dates[i], g.Text, g.LogProb, want.Output, want.LogProb)
		}
	}
}

// checkServeNeighbors checks that /v1/similar and /v1/analogy of the
// server at url give the neighbours vectors similar and analogy --json
// print for the vectors of p.
func checkServeNeighbors(t *testing.T, url string, p infertest.Paths) {
	t.Helper()
	for _, c := range []struct {
		args []string
		path string
		req  map[string]any
	}{
		{[]string{"similar", "king", "--negative", "man", "-k", "6"}, "v1/similar", map[string]any{"positive": []string{"king"}, "negative": []string{"man"}, "topn": 6}},
		{[]string{"analogy", "man", "king", "woman", "-k", "3"}, "v1/analogy", map[string]any{"a": "man", "b": "king", "c": "woman", "topn": 3}},
		{[]string{"analogy", "man", "king", "woman", "--method", "3cosmul"}, "v1/analogy", map[string]any{"a": "man", "b": "king", "c": "woman", "method": "3cosmul"}},
	} {
		var want []infer.Neighbor
		json.Unmarshal([]byte(cliOut(t, "", append(append([]string{"vectors"}, c.args...), "--vectors", p.Vectors, "--json")...)), &want)
		var got infer.NeighborsResult
		c.req["model"] = "vec"
		postJSON(t, url+c.path, c.req, &got)
		if fmt.Sprint(got.Results) != fmt.Sprint(want) || len(want) == 0 {
			t.Errorf("%v: server %v, CLI %v", c.args, got.Results, want)
		}
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// TestServeSignalHelper is the child process of TestServeGracefulShutdown.
func TestServeSignalHelper(t *testing.T) {
	args := os.Getenv("RECURRENT_SERVE_CHILD")
	if args == "" {
		t.Skip("child process of TestServeGracefulShutdown")
	}
	os.Args = append([]string{"recurrent"}, strings.Split(args, "\x1f")...)
	main()
	os.Exit(0)
}

// TestServeGracefulShutdown runs `recurrent serve` in a child process,
// sends SIGTERM while a streamed generation is in flight, and checks that
// the generation completes, new connections are refused, and the process
// exits 0.
func TestServeGracefulShutdown(t *testing.T) {
	p, err := infertest.Build(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeSignalHelper$")
	cmd.Env = append(os.Environ(), "RECURRENT_SERVE_CHILD="+strings.Join([]string{"serve", "--model", "m=" + p.LM, "--addr", "127.0.0.1:0", "--quiet"}, "\x1f"))
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	sc := bufio.NewScanner(stdout)
	var url string
	for sc.Scan() {
		if _, rest, ok := strings.Cut(sc.Text(), " on http://"); ok {
			url = "http://" + strings.Fields(rest)[0]
			break
		}
	}
	if url == "" {
		t.Fatal("no URL printed")
	}
	go io.Copy(io.Discard, stdout)
	res, err := http.Post(url+"v1/generate", "application/json", strings.NewReader(`{"model": "m", "length": 1500, "stream": true}`))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	r := bufio.NewReader(res.Body)
	if _, err := r.ReadString('\n'); err != nil { // the first token is out
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(r)
	if err != nil || !strings.Contains(string(rest), `"done":true`) || strings.Count(string(rest), "data: ") < 1000 {
		t.Errorf("in-flight stream after SIGTERM: %v, %d events, ends %q", err, strings.Count(string(rest), "data: "), string(rest[max(0, len(rest)-80):]))
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err := <-waited:
		if err != nil {
			t.Errorf("exit: %v, want status 0", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the server did not exit after SIGTERM")
	}
	if _, err := http.Get(url + "healthz"); err == nil {
		t.Error("the server still accepts connections after exiting")
	}
}

// TestServeLanesRange: --lanes outside [0, 4096] is a usage error naming
// it before any model loads (each lane has a goroutine and a batch of
// its own: --lanes 100000000 made them until the server died out of
// memory, and a negative count was taken as the default silently).
func TestServeLanesRange(t *testing.T) {
	for _, lanes := range []string{"-1", "4097", "100000000"} {
		args := []string{"serve", "--addr", "127.0.0.1:0", "--model", "m=" + filepath.Join(t.TempDir(), "missing"), "--lanes", lanes}
		_, err := runCLIIn(t, "", args...)
		if err == nil || !strings.Contains(err.Error(), "--lanes ") || !strings.Contains(err.Error(), lanes) {
			t.Errorf("%s: %v; want an error naming --lanes and %s", strings.Join(args, " "), err, lanes)
		} else if !errors.As(err, new(cli.UsageError)) {
			t.Errorf("%s: %v is not a usage error (exit status 2)", strings.Join(args, " "), err)
		}
	}
}
