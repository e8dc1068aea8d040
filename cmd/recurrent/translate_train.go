package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/recurrent-go/recurrent/checkpoint"
	"github.com/recurrent-go/recurrent/seq2seq"
	"github.com/recurrent-go/recurrent/tensor"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
)

func init() {
	translateCmd.AddCommand(newTranslateTrainCmd(), newTranslateEvalCmd(), newTranslateRunCmd())
}

func newTranslateTrainCmd() *cobra.Command {
	var (
		threads                 int
		trainPath, devPath, out string
		cfg                     seq2seq.Config
		tc                      seq2seq.TrainConfig
		seed                    uint64
		resume, asJSON, quiet   bool
	)
	cmd := &cobra.Command{
		Use:   "train --train F --dev F --out DIR",
		Short: "Train an encoder-decoder (bidirectional encoder, attention decoder) on source<TAB>target pairs",
		Long: `Train fits a sequence-to-sequence model: a bidirectional recurrent encoder
over the source tokens and a recurrent decoder that attends over the encoder
outputs (Bahdanau additive by default; Luong dot or general; or none, where
the decoder starts from the encoder's final state), with teacher forcing.
Tokens are characters by default (--tokens word for whitespace tokens).
After every epoch the dev loss and greedy exact match are printed and a
complete, atomic training checkpoint is written to --out (also on Ctrl-C,
mid-epoch); --resume continues from it exactly. The model saved is the best
epoch's on dev (greedy exact match, ties broken by dev loss; the last epoch
without --dev); --patience N stops after N epochs without improvement.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if threads > 0 {
				tensor.SetThreads(threads)
			}
			if trainPath == "" || out == "" {
				return fmt.Errorf("translate train: --train and --out are required")
			}
			trainPairs, err := seq2seq.ReadPairsFile(trainPath)
			if err != nil {
				return err
			}
			var devPairs []seq2seq.Pair
			if devPath != "" {
				if devPairs, err = seq2seq.ReadPairsFile(devPath); err != nil {
					return err
				}
			}
			var tr *seq2seq.Trainer
			if resume {
				m, err := seq2seq.Load(out)
				if err != nil {
					return err
				}
				trainE, devE, err := encodeSets(m, trainPath, trainPairs, devPath, devPairs)
				if err != nil {
					return err
				}
				if tr, err = seq2seq.Resume(out, trainE, devE); err != nil {
					return err
				}
				if cmd.Flags().Changed("epochs") {
					tr.Config.Epochs = tc.Epochs
				}
			} else {
				src, tgt, err := seq2seq.BuildVocabs(trainPairs, tokensOrDefault(cfg.Tokens))
				if err != nil {
					return err
				}
				m, err := seq2seq.NewModel(cfg, src, tgt, seed)
				if err != nil {
					return err
				}
				trainE, devE, err := encodeSets(m, trainPath, trainPairs, devPath, devPairs)
				if err != nil {
					return err
				}
				tc.Seed = seed
				if tr, err = seq2seq.NewTrainer(m, trainE, devE, tc); err != nil {
					return err
				}
			}
			w := cmd.OutOrStdout()
			if !asJSON {
				c := tr.Model.Config
				fmt.Fprintf(w, "model: %s encoder (%d layer(s), 2x%d), %s decoder (%d), attention %s, %s tokens; vocab %d -> %d; %d parameters\n",
					c.Cell, c.Layers, c.Hidden, c.DecoderCell, c.DecoderHidden, c.Attention, c.Tokens,
					tr.Model.Src.Len(), tr.Model.Tgt.Len(), countParams(tr.Model))
			}
			var bar *progressbar.ProgressBar
			progress := func(p seq2seq.Progress) {
				if quiet {
					return
				}
				if bar == nil || p.Batch == 1 {
					bar = progressbar.NewOptions(p.Batches, progressbar.OptionSetWriter(os.Stderr),
						progressbar.OptionSetWidth(30), progressbar.OptionShowCount(),
						progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionSetPredictTime(true),
						progressbar.OptionClearOnFinish(),
						progressbar.OptionSetDescription(fmt.Sprintf("epoch %d", p.Epoch+1)))
				}
				bar.Describe(fmt.Sprintf("epoch %d loss %.4f", p.Epoch+1, p.Loss))
				_ = bar.Set(p.Batch)
			}
			start := time.Now()
			err = tr.Run(cmd.Context(), progress, func(em seq2seq.EpochMetrics) error {
				if bar != nil {
					_ = bar.Finish()
					bar = nil
				}
				if err := tr.Save(out); err != nil {
					return err
				}
				if asJSON {
					return json.NewEncoder(w).Encode(em)
				}
				_, err := fmt.Fprintf(w, "epoch %d: train loss %.4f, dev loss %.4f, dev token acc (teacher forced) %.4f, dev exact match (greedy) %.4f, lr %.3g, %.1fs%s\n",
					em.Epoch, em.TrainLoss, em.DevLoss, em.DevTokenAccTF, em.DevExact, em.LR, em.Seconds, map[bool]string{true: " *best", false: ""}[em.Best])
				return err
			})
			if errors.Is(err, context.Canceled) {
				if bar != nil {
					_ = bar.Finish()
				}
				if serr := tr.Save(out); serr != nil {
					return fmt.Errorf("translate train: interrupted, and saving failed: %w", serr)
				}
				p := tr.Position()
				return fmt.Errorf("translate train: interrupted at epoch %d batch %d; checkpoint saved in %s (--resume continues)", p.Epoch+1, p.Batch, out)
			}
			if err != nil {
				return err
			}
			if !asJSON {
				fmt.Fprintf(w, "trained in %.1fs; checkpoint in %s\n", time.Since(start).Seconds(), out)
				if b := tr.Best(); b != nil {
					fmt.Fprintf(w, "model: epoch %d (best dev exact match %.4f, dev loss %.4f)%s\n", b.Epoch, b.DevExact, b.DevLoss,
						map[bool]string{true: "; stopped early", false: ""}[tr.Stopped()])
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&threads, "threads", 0, "compute threads (default: all cores)")
	f.StringVar(&trainPath, "train", "", "training pairs, source<TAB>target per line")
	f.StringVar(&devPath, "dev", "", "dev pairs for per-epoch validation")
	f.StringVar(&out, "out", "", "checkpoint directory")
	f.StringVar(&cfg.Tokens, "tokens", "char", "tokenization: char or word")
	f.StringVar(&cfg.Cell, "cell", "gru", "encoder cell: rnn_tanh, rnn_relu, lstm, gru, gru_cho, gru_minimal")
	f.StringVar(&cfg.DecoderCell, "decoder-cell", "", "decoder cell: gru or lstm (default: --cell if gru/lstm, else gru)")
	f.StringVar(&cfg.Attention, "attention", "bahdanau", "attention: bahdanau, dot, general or none")
	f.IntVar(&cfg.Embed, "embed", 32, "embedding size")
	f.IntVar(&cfg.Hidden, "hidden", 64, "encoder hidden size per direction")
	f.IntVar(&cfg.Layers, "layers", 1, "encoder layers")
	f.IntVar(&cfg.DecoderHidden, "decoder-hidden", 0, "decoder hidden size (default 2*hidden)")
	f.IntVar(&cfg.AttentionSize, "attention-size", 0, "Bahdanau scorer size (default decoder hidden)")
	f.IntVar(&tc.Epochs, "epochs", 10, "epochs")
	f.IntVar(&tc.Batch, "batch", 64, "pairs per batch")
	f.StringVar(&tc.Optimizer, "optimizer", "adam", "adam, adamw or sgd")
	f.Float64Var(&tc.LR, "lr", 2e-3, "learning rate")
	f.Float64Var(&tc.LRDecay, "lr-decay", 1, "learning-rate factor after each epoch")
	f.Float64Var(&tc.Clip, "clip", 5, "maximum gradient norm (negative: no clipping)")
	f.IntVar(&tc.Patience, "patience", 0, "stop after this many epochs without a better dev exact match (0: never)")
	f.IntVar(&tc.DevDecode, "dev-decode", 2000, "dev pairs decoded for exact match each epoch (-1: all)")
	f.Uint64Var(&seed, "seed", 1, "random seed (initialisation and batch order)")
	f.BoolVar(&resume, "resume", false, "continue the training checkpoint in --out")
	f.BoolVar(&asJSON, "json", false, "print one JSON object of metrics per epoch")
	f.BoolVar(&quiet, "quiet", false, "no progress bar")
	return cmd
}

func tokensOrDefault(s string) string {
	if s == "" {
		return "char"
	}
	return s
}

func countParams(m *seq2seq.Model) int {
	n := 0
	for _, p := range m.Params() {
		n += p.Size()
	}
	return n
}

// encodeSets encodes the train and dev pairs, naming the file on error.
func encodeSets(m *seq2seq.Model, trainPath string, train []seq2seq.Pair, devPath string, dev []seq2seq.Pair) (seq2seq.Encoded, seq2seq.Encoded, error) {
	tr, err := m.Encode(train)
	if err != nil {
		return tr, seq2seq.Encoded{}, fmt.Errorf("%s: %w", trainPath, err)
	}
	dv, err := m.Encode(dev)
	if err != nil {
		return tr, dv, fmt.Errorf("%s: %w", devPath, err)
	}
	return tr, dv, nil
}

func newTranslateEvalCmd() *cobra.Command {
	var (
		threads                     int
		modelDir, dataPath, hypPath string
		opt                         seq2seq.EvalOptions
		asJSON, quiet               bool
	)
	cmd := &cobra.Command{
		Use:   "eval --model DIR --data F [--beam K]",
		Short: "Decode source<TAB>target pairs and report exact match, token accuracy and BLEU",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if threads > 0 {
				tensor.SetThreads(threads)
			}
			if modelDir == "" || dataPath == "" {
				return fmt.Errorf("translate eval: --model and --data are required")
			}
			m, err := seq2seq.Load(modelDir)
			if err != nil {
				return err
			}
			pairs, err := seq2seq.ReadPairsFile(dataPath)
			if err != nil {
				return err
			}
			data, err := m.Encode(pairs)
			if err != nil {
				return fmt.Errorf("%s: %w", dataPath, err)
			}
			var bar *progressbar.ProgressBar
			if !quiet {
				bar = progressbar.NewOptions(len(pairs), progressbar.OptionSetWriter(os.Stderr),
					progressbar.OptionSetWidth(30), progressbar.OptionShowCount(),
					progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionClearOnFinish(),
					progressbar.OptionSetDescription("decoding"))
				opt.Progress = func(done int) { _ = bar.Set(done) }
			}
			opt.TeacherForced = true
			start := time.Now()
			met, err := m.Evaluate(cmd.Context(), data, opt)
			if err != nil {
				return err
			}
			secs := time.Since(start).Seconds()
			if bar != nil {
				_ = bar.Finish()
			}
			if hypPath != "" {
				err := checkpoint.WriteFileAtomic(hypPath, func(w io.Writer) error {
					bw := bufio.NewWriter(w)
					for _, h := range met.Hyps {
						fmt.Fprintln(bw, seq2seq.JoinTokens(m.Config.Tokens, m.DecodeTarget(h)))
					}
					return bw.Flush()
				})
				if err != nil {
					return fmt.Errorf("translate eval: --hyp: %w", err)
				}
			}
			w := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				return enc.Encode(struct {
					seq2seq.Metrics
					Beam    int     `json:"beam"`
					Alpha   float64 `json:"alpha"`
					Seconds float64 `json:"seconds"`
				}{met, max(1, opt.Beam), opt.Alpha, secs})
			}
			_, err = fmt.Fprintf(w, "%d pairs, beam %d: exact match %.4f, token accuracy %.4f, BLEU %.2f, loss %.4f (%.1fs)\n",
				met.N, max(1, opt.Beam), met.ExactMatch, met.TokenAccuracy, met.BLEU, met.Loss, secs)
			return err
		},
	}
	f := cmd.Flags()
	f.IntVar(&threads, "threads", 0, "compute threads (default: all cores)")
	f.StringVar(&modelDir, "model", "", "checkpoint directory")
	f.StringVar(&dataPath, "data", "", "pairs to evaluate, source<TAB>target per line")
	f.StringVar(&hypPath, "hyp", "", "also write the outputs to this file, one per line")
	f.IntVar(&opt.Beam, "beam", 1, "beam width (1: greedy)")
	f.Float64Var(&opt.Alpha, "alpha", 0, "length-normalization exponent for beam search")
	f.IntVar(&opt.MaxLen, "max-len", 0, "maximum output tokens (default 2*source+10)")
	f.IntVar(&opt.Batch, "batch", 256, "sources encoded together")
	f.IntVar(&opt.Limit, "limit", 0, "evaluate only the first N pairs")
	f.BoolVar(&asJSON, "json", false, "print the metrics as JSON")
	f.BoolVar(&quiet, "quiet", false, "no progress bar")
	return cmd
}

func newTranslateRunCmd() *cobra.Command {
	var (
		modelDir, input, attnJSON, attnPNG string
		heatmapDir                         string
		opt                                seq2seq.DecodeOptions
		asJSON                             bool
	)
	cmd := &cobra.Command{
		Use:   "run --model DIR [--input F] [--beam K]",
		Short: "Translate source lines (standard input by default), one output line each",
		Long: `Run reads one source per line (a line with a TAB is taken as source<TAB>target
and only the source is used) and prints the translation of each.
--attention-json and --attention-png export the attention weights of the
first line; --heatmap DIR draws one heat map per line, DIR/line-0001.png,
DIR/line-0002.png, ... (source tokens along the top, output tokens down the
left, a colour scale of the weights).

A model trained on dates (translate gen-dates data) records their span in
its config; run warns on standard error about input years outside it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if modelDir == "" {
				return fmt.Errorf("translate run: --model is required")
			}
			m, err := seq2seq.Load(modelDir)
			if err != nil {
				return err
			}
			var r io.Reader = cmd.InOrStdin()
			name := "<stdin>"
			if input != "" && input != "-" {
				f, err := os.Open(input)
				if err != nil {
					return fmt.Errorf("translate run: %w", err)
				}
				defer f.Close()
				r, name = f, input
			}
			var lines []string
			sc := bufio.NewScanner(r)
			sc.Buffer(make([]byte, 1<<20), 1<<24)
			for n := 1; sc.Scan(); n++ {
				line := sc.Text()
				if i := strings.IndexByte(line, '\t'); i >= 0 {
					line = line[:i]
				}
				if strings.TrimSpace(line) == "" {
					return fmt.Errorf("%s:%d: empty source line", name, n)
				}
				lines = append(lines, line)
			}
			if err := sc.Err(); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			warnDateRange(cmd.ErrOrStderr(), m.Config.TrainedDates, name, lines)
			if heatmapDir != "" {
				if err := os.MkdirAll(heatmapDir, 0o755); err != nil {
					return fmt.Errorf("translate run: %w", err)
				}
			}
			firstAttention := attnJSON != "" || attnPNG != ""
			opt.Attention = firstAttention || heatmapDir != ""
			if opt.Attention && m.AttentionKind() == seq2seq.AttentionNone {
				return errors.New("translate run: the model has no attention to export")
			}
			w := bufio.NewWriter(cmd.OutOrStdout())
			defer w.Flush()
			const chunk = 256
			for lo := 0; lo < len(lines); lo += chunk {
				hi := min(len(lines), lo+chunk)
				src := make([][]int32, 0, hi-lo)
				for _, l := range lines[lo:hi] {
					src = append(src, m.EncodeSource(l))
				}
				hs, err := m.Translate(src, opt)
				if err != nil {
					return err
				}
				for i, h := range hs {
					outLine := seq2seq.JoinTokens(m.Config.Tokens, m.DecodeTarget(h.IDs))
					if asJSON {
						b, _ := json.Marshal(map[string]any{"source": lines[lo+i], "output": outLine,
							"logprob": h.LogProb, "score": h.Score, "finished": h.Finished})
						fmt.Fprintln(w, string(b))
					} else {
						fmt.Fprintln(w, outLine)
					}
				}
				if heatmapDir != "" {
					digits := max(4, len(strconv.Itoa(len(lines))))
					for i, h := range hs {
						am, err := m.AttentionMapOf(lines[lo+i], h)
						if err != nil {
							return err
						}
						p := filepath.Join(heatmapDir, fmt.Sprintf("line-%0*d.png", digits, lo+i+1))
						if err := checkpoint.WriteFileAtomic(p, am.WritePNG); err != nil {
							return fmt.Errorf("translate run: %w", err)
						}
					}
				}
				if lo == 0 && firstAttention && len(hs) > 0 {
					am, err := m.AttentionMapOf(lines[0], hs[0])
					if err != nil {
						return err
					}
					if attnJSON != "" {
						if err := checkpoint.WriteFileAtomic(attnJSON, func(w io.Writer) error {
							enc := json.NewEncoder(w)
							enc.SetIndent("", " ")
							return enc.Encode(am)
						}); err != nil {
							return fmt.Errorf("translate run: %w", err)
						}
					}
					if attnPNG != "" {
						if err := checkpoint.WriteFileAtomic(attnPNG, am.WritePNG); err != nil {
							return fmt.Errorf("translate run: %w", err)
						}
					}
					firstAttention = false
					opt.Attention = heatmapDir != ""
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&modelDir, "model", "", "checkpoint directory")
	f.StringVar(&input, "input", "", "file of source lines (default standard input)")
	f.IntVar(&opt.Beam, "beam", 1, "beam width (1: greedy)")
	f.Float64Var(&opt.Alpha, "alpha", 0, "length-normalization exponent for beam search")
	f.IntVar(&opt.MaxLen, "max-len", 0, "maximum output tokens (default 2*source+10)")
	f.StringVar(&attnJSON, "attention-json", "", "write the first line's attention weights as JSON")
	f.StringVar(&attnPNG, "attention-png", "", "draw the first line's attention weights as a PNG heat map")
	f.StringVar(&heatmapDir, "heatmap", "", "draw every line's attention as DIR/line-NNNN.png")
	f.BoolVar(&asJSON, "json", false, "print one JSON object per line with log-probability and score")
	return cmd
}

// warnDateRange warns about source lines whose years lie outside the dates
// a date model was trained on (the first few, then a count).
func warnDateRange(w io.Writer, r seq2seq.DateRange, name string, lines []string) {
	const shown = 5
	n := 0
	for i, l := range lines {
		ys := seq2seq.YearsOutside(r, l)
		if len(ys) == 0 {
			continue
		}
		if n < shown {
			fmt.Fprintf(w, "warning: %s:%d: year %d is outside the dates the model was trained on (%s to %s); its translation is unreliable\n",
				name, i+1, ys[0], r.From, r.To)
		}
		n++
	}
	if n > shown {
		fmt.Fprintf(w, "warning: %d lines in all have years outside %s to %s\n", n, r.From, r.To)
	}
}
