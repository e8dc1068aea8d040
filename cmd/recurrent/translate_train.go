package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/recurrent-go/recurrent/seq2seq"
	"github.com/recurrent-go/recurrent/tensor"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
)

func init() {
	translateCmd.AddCommand(newTranslateTrainCmd())
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
			if err := positiveFlags(cmd, "embed", "hidden", "layers", "batch", "lr", "epochs"); err != nil {
				return err
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
