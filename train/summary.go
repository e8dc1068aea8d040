package train

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/recurrent-go/recurrent/nn"
)

// Summary is what a task's training run reports when it stops (the part
// the classifier and the tagger share: TaskSummary embeds it, and
// classify.Summary and tag.Summary add their own; lm.Summary and
// LoopSummary are the language models' and the translator's).
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type Summary struct {
	Checkpoint  string   `json:"checkpoint"`
	Params      int      `json:"params"`
	Position    Position `json:"position"`
	Steps       int64    `json:"steps"`
	TrainLoss   float64  `json:"train_loss"`
	Stop        string   `json:"stop_reason"`
	EarlyStop   bool     `json:"early_stopped"`
	Seconds     float64  `json:"seconds"`
	Interrupted bool     `json:"interrupted,omitempty"`
	// BestEpoch is the epochs done (fractional inside one) when the best
	// evaluation was made (0: none).
	BestEpoch float64 `json:"best_epoch,omitempty"`
}

// NewSummary summarizes a run of params (their scalars counted) that
// checkpoints into dir; interrupted reports a cancelled run.
func NewSummary(dir string, params []*nn.Param, res Result, interrupted bool) Summary {
	s := Summary{Checkpoint: dir, Params: nn.CountParams(params), Position: res.Pos, Steps: res.Pos.Step, TrainLoss: res.TrainLoss,
		Stop: string(res.Stop), EarlyStop: res.Stop == StopEarly, Seconds: res.Elapsed.Seconds(), Interrupted: interrupted}
	if res.Best != nil {
		s.BestEpoch = res.Best.Epoch
	}
	return s
}

// WriteText writes the summary's first line: steps, position, time, train
// loss and why the run stopped.
func (s *Summary) WriteText(w io.Writer) error {
	_, err := fmt.Fprintf(w, "trained %d steps (epoch %d, batch %d) in %.1fs; train loss %.4f; stopped: %s\n",
		s.Steps, s.Position.Epoch, s.Position.Batch, s.Seconds, s.TrainLoss, s.Stop)
	return err
}

// LoopSummary is what a run reports with its throughput and its best and
// last evaluations (the summary of the label-conditioned language model
// and of the translator; the plain language model's is lm.Summary).
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type LoopSummary struct {
	Checkpoint string `json:"checkpoint"`
	Params     int    `json:"params"`
	// Position is where the run stopped, after Steps steps in all; Stop
	// says why.
	Position Position `json:"position"`
	Steps    int64    `json:"steps"`
	Stop     string   `json:"stop_reason"`
	// TrainLoss is the mean loss of the run's last steps (Result.TrainLoss);
	// TokensPerS counts the items trained on per second of Seconds.
	TrainLoss  float64 `json:"train_loss"`
	Seconds    float64 `json:"seconds"`
	TokensPerS float64 `json:"tokens_per_second"`
	bestLast
}

// bestLast are a run's best and last evaluations (nil: none), promoted
// into LoopSummary.
type bestLast struct {
	Best *Eval `json:"best,omitempty"`
	Last *Eval `json:"last,omitempty"`
}

// NewLoopSummary summarizes a run of params scalars that checkpoints into
// dir.
func NewLoopSummary(dir string, params int, res Result) LoopSummary {
	s := LoopSummary{Checkpoint: dir, Params: params, Position: res.Pos, Steps: res.Pos.Step,
		Stop: string(res.Stop), TrainLoss: res.TrainLoss, Seconds: res.Elapsed.Seconds(), bestLast: bestLast{res.Best, res.Last}}
	if sec := res.Elapsed.Seconds(); sec > 0 {
		s.TokensPerS = float64(res.Items) / sec
	}
	return s
}

// WriteText writes the summary as text: the run, the model kept (the
// best evaluation) and the checkpoint.
func (s *LoopSummary) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "trained %d steps (epoch %d, batch %d) in %.1fs, %.0f tokens/s; train loss %.4f; stopped: %s\n",
		s.Steps, s.Position.Epoch, s.Position.Batch, s.Seconds, s.TokensPerS, s.TrainLoss, s.Stop)
	if b := s.Best; b != nil {
		fmt.Fprintf(w, "model: step %d, epoch %.2f (best validation: score %.4f, loss %.4f)\n", b.Step, b.Epoch, b.Score, b.Loss)
	}
	_, err := fmt.Fprintf(w, "checkpoint: %s\n", s.Checkpoint)
	return err
}

// Interrupted reports whether err is the cancellation of ctx, after which
// a run has saved the exact position to resume from.
func Interrupted(ctx context.Context, err error) bool {
	return err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err())
}

// Setting is a named setting of a training run: its value Now (as asked
// for) and Saved (in the checkpoint resumed). Names are those of the
// command-line flags.
type Setting struct {
	Name       string
	Now, Saved any
}

// ConflictError is a setting asked for on resuming whose value differs
// from the checkpoint's (or, Fixed, one that cannot change on resuming at
// all).
type ConflictError struct {
	Setting
	Fixed bool
}

// Error names the flag and tells how to proceed.
func (e *ConflictError) Error() string {
	if e.Fixed {
		return fmt.Sprintf("--%s cannot change on --resume: the checkpoint fixes it (drop the flag, or train anew with --overwrite)", e.Name)
	}
	return fmt.Sprintf("--%s %v conflicts with the checkpoint's %v; --resume keeps the checkpoint's architecture, data layout and optimizer (drop the flag, or train anew with --overwrite or another --out)",
		e.Name, e.Now, e.Saved)
}

// CheckResume returns a *ConflictError for the first setting that was
// given (given reports which were) with a value other than the
// checkpoint's (compared as fmt prints them), else for the first of fixed
// that was given, else nil: resuming keeps a checkpoint's architecture
// and data layout, and a setting that would change them is an error
// rather than silently ignored.
func CheckResume(given func(name string) bool, settings []Setting, fixed ...string) error {
	for _, s := range settings {
		if given(s.Name) && fmt.Sprint(s.Now) != fmt.Sprint(s.Saved) {
			return &ConflictError{Setting: s}
		}
	}
	for _, name := range fixed {
		if given(name) {
			return &ConflictError{Setting: Setting{Name: name}, Fixed: true}
		}
	}
	return nil
}

// Resumed applies to c, the configuration of a resumed checkpoint, the
// settings that may change on resuming and were given anew (given reports
// which, by flag name) with their values in now: the budget ("epochs" or
// "steps": both together), "patience", "clip" and "save-every".
func (c *Config) Resumed(now Config, given func(name string) bool) {
	if given("epochs") || given("steps") {
		c.Epochs, c.MaxSteps = now.Epochs, now.MaxSteps
	}
	if given("patience") {
		c.Patience = now.Patience
	}
	if given("clip") {
		c.Clip = now.Clip
	}
	if given("save-every") {
		c.SaveEvery = now.SaveEvery
	}
}

// TaskSummary is a task's Summary with the size of its vocabulary, the
// coverage C of the vectors its embedding started from, the last and the
// best validation metrics M and the test figures T (classify.Summary and
// tag.Summary embed it).
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type TaskSummary[M, T, C any] struct {
	Summary
	Vocab    int `json:"vocab"`
	Coverage *C  `json:"coverage,omitempty"`
	Valid    *M  `json:"dev,omitempty"`
	Best     *M  `json:"best_dev,omitempty"`
	Test     *T  `json:"test,omitempty"`
}

// Summarize runs t (TaskTrainer.Run) and summarizes the run of params,
// with the model's vocabulary size vocab and the coverage of its word
// vectors (nil: none); test, if not nil, gives the test figures after a
// normal stop. A cancelled run, also one cancelled while the test figures
// are made (after the checkpoint is complete; a resume then makes them),
// returns its summary (Interrupted, without Test) with ctx's error.
func Summarize[C, Mod, Cf, M, T any](ctx context.Context, t *TaskTrainer[Mod, Cf, M], progress func(Event),
	params []*nn.Param, vocab int, coverage *C, test func() (*T, error)) (*TaskSummary[M, T, C], error) {
	res, err := t.Run(ctx, progress)
	interrupted := Interrupted(ctx, err)
	if err != nil && !interrupted {
		return nil, err
	}
	s := &TaskSummary[M, T, C]{Summary: NewSummary(t.Dir, params, res.Result, interrupted), Vocab: vocab, Coverage: coverage,
		Valid: res.Valid, Best: t.metricsOf(res.Best)}
	if test != nil && !interrupted {
		if s.Test, err = test(); err != nil {
			s.Test = nil
			if !Interrupted(ctx, err) {
				return nil, err
			}
			s.Interrupted = true
		}
	}
	return s, err
}

// WriteText writes the summary as text: the run (Summary.WriteText), the
// best validation as best describes it, the test figures as test writes
// them (when there are any), and the checkpoint.
func (s *TaskSummary[M, T, C]) WriteText(w io.Writer, best func(*M) string, test func(io.Writer, *T) error) error {
	s.Summary.WriteText(w)
	if s.Best != nil {
		fmt.Fprintf(w, "%s (epoch %g)\n", best(s.Best), s.BestEpoch)
	}
	if s.Test != nil {
		if err := test(w, s.Test); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "checkpoint: %s\n", s.Checkpoint)
	return err
}
