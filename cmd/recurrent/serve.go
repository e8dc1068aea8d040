package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/recurrent-go/recurrent/internal/cli"
	"github.com/recurrent-go/recurrent/serve"
)

// serveFlags are the flags of `recurrent serve`.
type serveFlags struct {
	models    []string
	addr      string
	debugAddr string
	opt       serve.Options
	tokenFile string
	grace     time.Duration
	quiet     bool
}

func init() {
	addCommands(rootCmd, newServeCmd())
}

func newServeCmd() *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve --model NAME=PATH [--model NAME=PATH ...] [--addr 127.0.0.1:8080]",
		Short: "Serve models over a JSON API and a web page",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runServe(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), &f, nil)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.models, "model", nil, "NAME=PATH of a model to serve (repeatable, required)")
	fl.StringVar(&f.addr, "addr", "127.0.0.1:8080", "address to listen on (host:port; port 0 picks a free one)")
	fl.StringVar(&f.debugAddr, "debug-addr", "", "also serve an execution trace and a CPU profile on demand on this loopback address (e.g. 127.0.0.1:6060; GET /debug/trace?seconds=N, /debug/profile?seconds=N); default: none")
	fl.IntVar(&f.opt.MaxBatch, "max-batch", 32, "most generation streams of one model stepped together (per generation loop)")
	fl.IntVar(&f.opt.Lanes, "lanes", 0, "generation loops per language model, each on one CPU once several have work, 0 to 4096 (0: one per --threads)")
	fl.IntVar(&f.opt.Queue, "queue", 64, "most API requests admitted at once (running or waiting); more get 429")
	fl.DurationVar(&f.opt.Timeout, "timeout", 2*time.Minute, "deadline of each request")
	fl.Int64Var(&f.opt.MaxBody, "max-body", 1<<20, "largest request body in bytes")
	fl.IntVar(&f.opt.MaxLength, "max-length", 2000, "longest generation in tokens")
	fl.IntVar(&f.opt.MaxSamples, "max-samples", 16, "most samples per generate request")
	fl.IntVar(&f.opt.MaxTextLen, "max-text-len", 1<<15, "longest text of a classify or tag request, in characters (tokens for pre-tokenized sentences): their memory grows with it")
	fl.StringVar(&f.tokenFile, "auth-token-file", "", `file holding a token that /v1/* requires as 'Authorization: Bearer <token>' ("-": standard input)`)
	fl.DurationVar(&f.grace, "grace", 10*time.Second, "on SIGINT/SIGTERM, how long requests in flight may take to finish")
	fl.BoolVar(&f.quiet, "quiet", false, "no per-request log lines")
	cli.MarkPositive(cmd, "max-batch", "queue", "max-body", "max-length", "max-samples", "max-text-len")
	return cmd
}

// runServe serves until ctx ends (the signals, in main), then shuts down
// gracefully. ready, when not nil, receives the base URL once models are
// loaded.
func runServe(ctx context.Context, out, errOut io.Writer, f *serveFlags, ready chan<- string) error {
	if len(f.models) == 0 {
		return errors.New("serve: at least one --model NAME=PATH is required")
	}
	if f.opt.Lanes < 0 || f.opt.Lanes > cli.MaxThreads { // each lane has a goroutine and a batch of its own
		return cli.Usage(fmt.Errorf("serve: --lanes must be in [0, %d] (0: one per --threads), got %d", cli.MaxThreads, f.opt.Lanes))
	}
	c := serve.RunConfig{Options: f.opt, Addr: f.addr, DebugAddr: f.debugAddr, Grace: f.grace}
	var err error
	if c.Models, err = serve.ParseModelSpecs(f.models); err != nil {
		return fmt.Errorf("serve: --model %w", err)
	}
	if c.Token, err = serve.ReadTokenFile(f.tokenFile); err != nil {
		return fmt.Errorf("serve: --auth-token-file: %w", err)
	}
	c.Logger = serve.TextLogger(errOut, f.quiet)
	c.Progress = func(e serve.RunEvent) {
		if _, down := e.(serve.ShuttingDown); down {
			e.WriteText(errOut)
			return
		}
		e.WriteText(out)
		if s, ok := e.(serve.Serving); ok && ready != nil {
			ready <- s.URL
		}
	}
	err = serve.Run(ctx, c)
	if errors.As(err, new(*serve.LoadError)) {
		return fmt.Errorf("serve: --model %w", err)
	}
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}
