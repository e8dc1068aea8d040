package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func TestBenchRNNJSON(t *testing.T) {
	for _, mode := range []string{"train", "sample"} {
		for _, cell := range []string{"lstm", "gru", "rnn_tanh"} {
			t.Run(mode+"_"+cell, func(t *testing.T) {
				out, err := runCLIIn(t, "", "bench", "rnn", "--mode", mode, "--cell", cell, "--hidden", "16", "--layers", "2",
					"--batch", "4", "--seq-len", "5", "--vocab", "11", "--threads", "1", "--seconds", "0.02", "--json")
				if err != nil {
					t.Fatal(err)
				}
				var res map[string]any
				if err := json.Unmarshal([]byte(out), &res); err != nil {
					t.Fatalf("output %q: %v", out, err)
				}
				tps, ok := res["tokens_per_sec"].(float64)
				if !ok || !(tps > 0) {
					t.Fatalf("tokens_per_sec = %v in %s", res["tokens_per_sec"], out)
				}
				tokens := res["tokens"].(float64)
				if mode == "train" && int(tokens)%(5*4) != 0 {
					t.Errorf("train measured %v tokens, not whole steps of 5x4", tokens)
				}
				if res["mode"] != mode || res["cell"] != cell {
					t.Errorf("mode/cell echoed as %v/%v", res["mode"], res["cell"])
				}
			})
		}
	}
}

func TestBenchRNNErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--mode", "infer"},
		{"--cell", "transformer"},
		{"--hidden", "0"},
		{"--batch", "0"},
		{"--seconds", "0"},
	} {
		cmd := newBenchRNNCmd()
		cmd.SetOut(&bytes.Buffer{})
		cmd.SetArgs(args) // each fails validation before any measuring
		err := cmd.ExecuteContext(context.Background())
		if err == nil || !strings.Contains(err.Error(), "bench rnn") {
			t.Errorf("%v: err = %v, want a bench rnn error", args, err)
		}
	}
}
