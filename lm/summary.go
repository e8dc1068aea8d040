package lm

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/train"
)

// BitsUnit names the bits of Metrics.Bits for the model's tokens:
// "bits/char" at character level, "bits/token" otherwise.
func (c *Config) BitsUnit() string {
	if c.Tokenizer.Mode == text.Chars {
		return "bits/char"
	}
	return "bits/token"
}

// Text is the metrics as lm eval prints them, with the bits in unit.
func (m Metrics) Text(unit string) string {
	return fmt.Sprintf("loss %.4f  perplexity %.3f  %.4f %s  (%d tokens)", m.Loss, m.Perplexity, m.Bits, unit, m.Tokens)
}

// Summary is the final report of a training run (lm train --json).
//
// Plain data: safe for concurrent use as long as no goroutine modifies it.
type Summary struct {
	// Checkpoint is the checkpoint directory; Params the number of scalar
	// parameters and Vocab the vocabulary size.
	Checkpoint string `json:"checkpoint"`
	Params     int    `json:"params"`
	Vocab      int    `json:"vocab_size"`
	// Position is where training stands; Stop why this run stopped
	// (train.StopReason); TrainLoss the mean training loss of its last
	// epoch.
	Position  Position `json:"position"`
	Stop      string   `json:"stop_reason,omitempty"`
	TrainLoss float64  `json:"train_loss"`
	// Valid is the last validation, Best the best so far (the weights
	// model.safetensors holds), Test the test stream's with those weights.
	Valid *Metrics `json:"valid,omitempty"`
	Best  *Metrics `json:"best_valid,omitempty"`
	Test  *Metrics `json:"test,omitempty"`
	// Seconds is the run's wall time, TokensPerS its training throughput.
	Seconds    float64 `json:"seconds"`
	TokensPerS float64 `json:"tokens_per_sec"`
	// Interrupted says the run was cancelled (its position saved);
	// EarlyStop that it stopped for want of a better validation.
	Interrupted bool `json:"interrupted,omitempty"`
	EarlyStop   bool `json:"early_stopped,omitempty"`

	// The headline metrics, flat: the final validation loss (nats per
	// token), its perplexity and, at character level, bits per character;
	// and the optimizer steps taken in total.
	ValLoss       *float64 `json:"val_loss,omitempty"`
	ValPerplexity *float64 `json:"val_perplexity,omitempty"`
	BitsPerChar   *float64 `json:"bits_per_char,omitempty"`
	Steps         int64    `json:"steps"`
	// Plot is the PNG of the loss curves ("" if none was drawn).
	Plot string `json:"loss_plot,omitempty"`
	// PlotErr is why the loss curves could not be drawn (nil: no error).
	PlotErr error `json:"-"`

	unit string // BitsUnit
}

// WriteText writes the summary as lm train prints it.
func (s *Summary) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "trained %d steps (epoch %d, chunk %d) in %.1fs, %.0f tokens/s; train loss %.4f; stopped: %s\n",
		s.Steps, s.Position.Epoch, s.Position.Batch, s.Seconds, s.TokensPerS, s.TrainLoss, s.Stop)
	for _, e := range []struct {
		name string
		m    *Metrics
	}{{"valid", s.Valid}, {"best valid", s.Best}, {"test", s.Test}} {
		if e.m != nil {
			fmt.Fprintf(w, "%-10s %s\n", e.name, e.m.Text(s.unit))
		}
	}
	_, err := fmt.Fprintf(w, "checkpoint: %s\n", s.Checkpoint)
	return err
}

// Describe describes the model and the batches, as lm train announces
// them.
func (t *Trainer) Describe() string {
	c := t.Model.Config
	return fmt.Sprintf("model: %s, %d layers x %d, embed %d, vocab %d, %d parameters; %d chunks/epoch of %dx%d tokens",
		c.Cell, c.Layers, c.Hidden, c.EmbedDim, c.VocabSize, t.Model.NumParams(), t.Chunks(), t.Config.BPTT, t.Config.Batch)
}

// ProgressLabels rename or hide (renamed to "") the metrics of the
// evaluation events of Run for display.
func (t *Trainer) ProgressLabels() map[string]string {
	labels := map[string]string{"tokens": ""}
	if t.Model.Config.Tokenizer.Mode == text.Chars {
		labels["bits"] = "bits/char"
	}
	return labels
}

// RunSummary runs the trainer (Run) and summarizes the run. After every
// checkpoint it draws the loss curves into the directory (PlotFile). When
// the run ends normally the model takes the best validation's weights
// (what the checkpoint's model.safetensors holds) and test, if not nil,
// is evaluated with them. A cancelled run, also one cancelled during the
// test evaluation (its checkpoint complete; a resume evaluates test),
// returns ctx's error with the summary marked Interrupted; any other error
// with what is known so far.
func (t *Trainer) RunSummary(ctx context.Context, progress func(train.Event), test []int32) (Summary, error) {
	m := t.Model
	var sum Summary
	if test != nil {
		// Checked before training, which the test evaluation follows.
		if _, err := text.NewStreamBatcher(test, t.Config.evalBatch(), t.Config.BPTT); err != nil {
			return sum, fmt.Errorf("lm: test data: %w", err)
		}
	}
	res, err := t.Run(ctx, func(e train.Event) {
		if ce, ok := e.(train.CheckpointEvent); ok {
			// Saving replaces the directory: redraw the curves into it.
			path := filepath.Join(ce.Dir, PlotFile)
			if sum.PlotErr = WritePlot(path, t.History(), t.plotTitle()); sum.PlotErr == nil && len(t.History()) > 0 {
				sum.Plot = path
			}
		}
		if progress != nil {
			progress(e)
		}
	})
	c := &m.Config
	sum = Summary{Checkpoint: t.Dir, Params: m.NumParams(), Vocab: c.VocabSize, Position: res.Pos, TrainLoss: res.TrainLoss,
		Valid: res.Valid, Best: MetricsOf(res.Best), Seconds: res.Elapsed.Seconds(),
		Interrupted: train.Interrupted(ctx, err), EarlyStop: res.Stop == train.StopEarly,
		Stop: string(res.Stop), Steps: res.Pos.Step, Plot: sum.Plot, PlotErr: sum.PlotErr, unit: c.BitsUnit()}
	if v := res.Valid; v != nil {
		sum.ValLoss, sum.ValPerplexity = &v.Loss, &v.Perplexity
		if c.Tokenizer.Mode == text.Chars {
			sum.BitsPerChar = &v.Bits
		}
	}
	if s := res.Elapsed.Seconds(); s > 0 {
		sum.TokensPerS = float64(res.Items) / s
	}
	if err != nil {
		return sum, err
	}
	t.loop.RestoreBest()
	if test != nil {
		tm, err := m.Evaluate(ctx, test, t.Config.evalBatch(), t.Config.BPTT)
		if err != nil {
			sum.Interrupted = train.Interrupted(ctx, err)
			return sum, fmt.Errorf("test evaluation: %w", err)
		}
		sum.Test = &tm
	}
	return sum, nil
}

// plotTitle describes the model in the loss plot's title.
func (t *Trainer) plotTitle() string {
	c := t.Model.Config
	return fmt.Sprintf("%s %dx%d, %s level, vocab %d", c.Cell, c.Layers, c.Hidden, c.Tokenizer.Mode, c.VocabSize)
}
