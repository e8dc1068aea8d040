package lm

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/recurrent-go/recurrent/internal/traintest"
	"github.com/recurrent-go/recurrent/train"
)

// The kill test re-executes the test binary as a training process
// (killChildEnv names its checkpoint directory), SIGKILLs it after it has
// checkpointed and trained on past the checkpoint, resumes from the
// directory and compares with an uninterrupted run.
const (
	killChildEnv   = "LM_KILL_TEST_CHILD_DIR"
	killCheckpoint = 10 // the child checkpoints every 10 steps ...
	killAfter      = 14 // ... and hangs after step 14, where it is killed
)

func killConfig() (Config, TrainConfig, []int32, []int32) {
	cfg := Config{Arch: Arch{Cell: "lstm", VocabSize: 7, EmbedDim: 8, Hidden: 8, Layers: 2, Dropout: 0.1}, InitRange: 0.1}
	tc := TrainConfig{Batch: 4, BPTT: 6, Epochs: 3, Optimizer: "sgd", LR: 1, Clip: 5, LRDecay: 0.5, LRDecayStart: 1,
		CheckpointEvery: killCheckpoint, Seed: 9}
	return cfg, tc, patternStream(600, 7), patternStream(150, 8)
}

func newKillTrainer(t testing.TB) *Trainer {
	cfg, tc, trainIDs, valid := killConfig()
	m := mustNew(t, New, cfg, nil, 4)
	tr := traintest.NewTrainer(t, NewTrainer, m, trainIDs, valid, tc)
	return tr
}

// TestKillChild is the child process; it does nothing in a normal run.
func TestKillChild(t *testing.T) {
	dir := os.Getenv(killChildEnv)
	if dir == "" {
		t.Skip("only run as the child of TestKillAndResume")
	}
	tr := newKillTrainer(t)
	tr.Dir = dir
	_, err := tr.Run(context.Background(), func(e train.Event) {
		switch p := e.(type) {
		case train.CheckpointEvent:
			fmt.Printf("checkpoint %d\n", p.Pos.Step)
		case train.StepEvent:
			fmt.Printf("step %d\n", p.Pos.Step)
			if p.Pos.Step == killAfter {
				time.Sleep(time.Hour) // mid-training, past the checkpoint: wait to be killed
			}
		}
	})
	t.Fatalf("child was not killed (err %v)", err)
}

func TestKillAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a process")
	}
	// Reference: the uninterrupted run's per-step losses.
	ref := newKillTrainer(t)
	refLoss, refRes := stepLosses(t, ref)

	dir := filepath.Join(t.TempDir(), "ck")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillChild$", "-test.v")
	cmd.Env = append(os.Environ(), killChildEnv+"="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	defer func() {
		if !killed {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	sc := bufio.NewScanner(stdout)
	lastCheckpoint := int64(-1)
	timer := time.AfterFunc(2*time.Minute, func() { cmd.Process.Kill() })
	defer timer.Stop()
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 2 {
			continue
		}
		n, _ := strconv.ParseInt(f[1], 10, 64)
		if f[0] == "checkpoint" {
			lastCheckpoint = n
		}
		if f[0] == "step" && n == killAfter {
			break
		}
	}
	if lastCheckpoint != killCheckpoint {
		t.Fatalf("child's last checkpoint at step %d, want %d", lastCheckpoint, killCheckpoint)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	killed = true
	err = cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ProcessState.Success() {
		t.Fatalf("child exit: %v", err)
	}

	_, _, trainIDs, valid := killConfig()
	b, err := Resume(dir, trainIDs, valid)
	if err != nil {
		t.Fatal(err)
	}
	if b.Pos().Step != killCheckpoint {
		t.Fatalf("resumed at step %d, want %d", b.Pos().Step, killCheckpoint)
	}
	got, res := stepLosses(t, b)
	if want := refLoss[killCheckpoint:]; !slices.Equal(got, want) {
		t.Errorf("losses after resume differ from the uninterrupted run's:\n got %v\nwant %v", got, want)
	}
	if res.Pos != refRes.Pos || res.Valid.Loss != refRes.Valid.Loss || b.LR() != ref.LR() {
		t.Errorf("final %+v valid %v lr %v; uninterrupted %+v valid %v lr %v", res.Pos, res.Valid.Loss, b.LR(), refRes.Pos, refRes.Valid.Loss, ref.LR())
	}
	if !slices.EqualFunc(paramsCopy(b.Model), paramsCopy(ref.Model), slices.Equal) {
		t.Error("parameters after resume differ from the uninterrupted run's")
	}
	t.Logf("killed after step %d, resumed from the step-%d checkpoint, %d more steps identical; final valid loss %.5f",
		killAfter, killCheckpoint, len(got), res.Valid.Loss)
}

// stepLosses runs tr to its end and returns the loss of every step it
// took and the result.
func stepLosses(t *testing.T, tr *Trainer) ([]float64, Result) {
	t.Helper()
	var losses []float64
	res, err := tr.Run(context.Background(), func(e train.Event) {
		if p, ok := e.(train.StepEvent); ok {
			losses = append(losses, p.Loss)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return losses, res
}
