package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/recurrent-go/recurrent/lm"
	"github.com/recurrent-go/recurrent/text"
)

func init() {
	lmCmd.AddCommand(newLMImportCmd())
}

// lmImportFlags are the flags of `recurrent lm import`.
type lmImportFlags struct {
	stateDict, out, vocab, cell, specials string
	tf                                    lmTrainFlags // tokenizer flags only
}

func newLMImportCmd() *cobra.Command {
	var f lmImportFlags
	cmd := &cobra.Command{
		Use:   "import --state-dict FILE.safetensors --vocab FILE --out DIR",
		Short: "Convert a PyTorch language model's state_dict (safetensors) into a checkpoint",
		Long: `Read the state_dict of a PyTorch module with attributes embedding
(nn.Embedding), rnn (nn.LSTM, nn.GRU or nn.RNN) and decoder (nn.Linear),
saved with safetensors.torch.save_file, and write a checkpoint directory
that lm sample, score and eval use. The architecture comes from the tensor
shapes (--cell chooses rnn_relu over rnn_tanh). --vocab lists the tokens in
embedding-row order: a JSON array of strings, or one token per line.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runLMImport(cmd, &f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.stateDict, "state-dict", "", "safetensors file of the PyTorch state_dict (required)")
	fl.StringVar(&f.out, "out", "", "checkpoint directory to write (required)")
	fl.StringVar(&f.vocab, "vocab", "", "tokens in id order: JSON array or one per line (required)")
	fl.StringVar(&f.cell, "cell", "", "rnn_tanh or rnn_relu for nn.RNN (default: from the shapes)")
	fl.StringVar(&f.specials, "specials", "<unk>,<eos>,<bos>,<pad>", "tokens of --vocab that are special (those present)")
	fl.StringVar(&f.tf.tokenizer, "tokenizer", "word", "char, word or whitespace: how text is split for this model")
	fl.StringVar(&f.tf.level, "level", "", "char or word: shorthand for --tokenizer")
	fl.BoolVar(&f.tf.lower, "lower", false, "lowercase the text")
	fl.BoolVar(&f.tf.splitPunct, "split-punct", false, "word tokenizer: keep punctuation as separate tokens")
	fl.StringVar(&f.tf.eos, "eos", "auto", `end-of-line token ("auto": "\n" for char, <eos> otherwise)`)
	fl.StringVar(&f.tf.bos, "bos", "", "beginning-of-line token")
	return cmd
}

// readVocabList reads tokens in id order from a JSON array or lines.
func readVocabList(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '[' {
		var toks []string
		if err := json.Unmarshal(t, &toks); err != nil {
			return nil, fmt.Errorf("%s: not a JSON array of strings: %w", path, err)
		}
		return toks, nil
	}
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil, fmt.Errorf("%s: empty vocabulary", path)
	}
	return strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n"), nil
}

func runLMImport(cmd *cobra.Command, f *lmImportFlags) error {
	if f.stateDict == "" || f.out == "" || f.vocab == "" {
		return errors.New("lm import: --state-dict, --vocab and --out are required")
	}
	f.tf.tokenizerSet = cmd.Flags().Changed("tokenizer")
	tok, err := f.tf.lmTokenizer()
	if err != nil {
		return fmt.Errorf("lm import: %w", err)
	}
	toks, err := readVocabList(f.vocab)
	if err != nil {
		return fmt.Errorf("lm import: vocabulary: %w", err)
	}
	var specials []string
	for _, s := range strings.Split(f.specials, ",") {
		for _, t := range toks {
			if s != "" && t == s {
				specials = append(specials, s)
				break
			}
		}
	}
	v, err := text.NewVocab(toks, nil, specials)
	if err != nil {
		return fmt.Errorf("lm import: %s: %w", f.vocab, err)
	}
	m, err := lm.ImportPyTorch(f.stateDict, lm.ImportOptions{Cell: f.cell, Vocab: v, Tokenizer: tok})
	if err != nil {
		return err
	}
	if err := m.Save(f.out); err != nil {
		return err
	}
	c := m.Config
	fmt.Fprintf(cmd.OutOrStdout(), "imported %s %d layers x %d, embed %d, vocab %d, tied %v, %d parameters into %s\n",
		c.Cell, c.Layers, c.Hidden, c.EmbedDim, c.VocabSize, c.Tied, m.NumParams(), f.out)
	return nil
}
