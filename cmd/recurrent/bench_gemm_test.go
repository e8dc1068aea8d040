package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/bench"
)

func TestBenchGemmJSON(t *testing.T) {
	cases := []struct {
		args    []string
		m, n, k int
	}{
		{[]string{"--m", "3", "--n", "5", "--k", "7"}, 3, 5, 7},
		{[]string{"--m", "40", "--n", "33", "--k", "9", "--trans-a", "--trans-b", "--kernel", "generic"}, 40, 33, 9},
		{[]string{"--m", "1", "--n", "64", "--k", "16"}, 1, 64, 16},
	}
	for _, tc := range cases {
		out, err := runCLIIn(t, "", append(append([]string{"bench", "gemm"}, tc.args...), "--threads", "1", "--json", "--duration", "20ms")...)
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		var res bench.GemmResult
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("%v: output %q is not one JSON object: %v", tc.args, out, err)
		}
		if res.M != tc.m || res.N != tc.n || res.K != tc.k || res.Threads != 1 || !(res.GFLOPS > 0) || res.Samples < 3 {
			t.Errorf("%v: got %+v", tc.args, res)
		}
	}
}

func TestBenchGemmErrors(t *testing.T) {
	for _, args := range [][]string{{"--m", "-1"}, {"--kernel", "no-such"}} {
		cmd := newBenchGemmCmd()
		cmd.SetOut(&bytes.Buffer{})
		cmd.SetArgs(append(args, "--duration", "1ms"))
		err := cmd.ExecuteContext(context.Background())
		if err == nil || !strings.Contains(err.Error(), "bench gemm") {
			t.Errorf("%v: error %v, want a bench gemm error", args, err)
		}
	}
}
