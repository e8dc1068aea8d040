package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/recurrent-go/recurrent/bench"
)

func init() {
	benchCmd.AddCommand(newBenchServeCmd())
}

func newBenchServeCmd() *cobra.Command {
	var c bench.ServeConfig
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
		RunE: func(cmd *cobra.Command, _ []string) error {
			exe, err := os.Executable()
			if err != nil {
				return err
			}
			c.Command, c.Stderr = []string{exe}, os.Stderr
			c.Progress = func(e bench.ServeEvent) { e.WriteText(cmd.OutOrStdout()) }
			_, err = bench.ServeLoad(cmd.Context(), c)
			return err
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&c.Clients, "clients", 16, "concurrent streaming clients")
	fl.IntVar(&c.Requests, "requests", 3, "generations per client")
	fl.IntVar(&c.Length, "length", 300, "tokens per generation")
	fl.IntVar(&c.Rounds, "rounds", 3, "rounds of (1 client, --clients clients), for same-moment ratios on a busy machine")
	fl.IntVar(&c.Queries, "queries", 300, "classify and similar requests")
	fl.IntVar(&c.Words, "words", 100000, "vector vocabulary size")
	fl.IntVar(&c.Dim, "dim", 300, "vector dimension")
	fl.IntVar(&c.Flip.Samples, "flip-samples", 0, "samples for the batching flip count (0: skip)")
	fl.IntVar(&c.Flip.Length, "flip-length", 100, "tokens per flip-count sample")
	fl.IntVar(&c.Flip.Hidden, "flip-hidden", 512, "hidden size of the flip-count model (2 layers)")
	fl.StringVar(&c.Dir, "dir", "", "directory for the models (default: a temporary one, removed)")
	return cmd
}
