package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"unicode/utf8"

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
	rename                                []string
	asJSON                                bool
	tf                                    lmTrainFlags // tokenizer flags only
}

func newLMImportCmd() *cobra.Command {
	var f lmImportFlags
	cmd := &cobra.Command{
		Use:   "import --state-dict FILE.pt --vocab FILE --out DIR",
		Short: "Convert a PyTorch language model's state_dict (torch.save or safetensors) into a checkpoint",
		Long: `Read the state_dict of a PyTorch module with attributes embedding
(nn.Embedding), rnn (nn.LSTM, nn.GRU or nn.RNN) and decoder (nn.Linear) and
write a checkpoint directory that lm sample, score and eval use.

The file is what torch.save(model.state_dict(), "m.pt") writes (the zip
format of PyTorch 1.6 and later, or the legacy one) or a safetensors file;
from a training checkpoint ({"epoch", "model_state_dict",
"optimizer_state_dict", ...}) the model's state_dict is taken, and the
"module." prefix of nn.DataParallel is dropped. It is read without Python and without running anything from it: only
tensors and ordered dicts are rebuilt, and a file holding anything else (a
whole model saved with torch.save(model), as pytorch/examples does) is
refused; save model.state_dict() instead. The naming of pytorch/examples'
word_language_model (encoder.weight, rnn.*, decoder.*) is accepted as is;
--rename FROM=TO maps other names (a whole name or a prefix up to a "."),
e.g. --rename lstm=rnn --rename fc=decoder.

The architecture comes from the tensor shapes (--cell chooses rnn_relu over
rnn_tanh). --vocab lists the tokens in embedding-row order: recurrent's
vocab.json, a JSON array of strings, or one token per line. Without
--tokenizer or --level, a vocabulary whose tokens (specials aside) are all
single characters makes a character-level model, any other a word-level one.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runLMImport(cmd, &f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.stateDict, "state-dict", "", "the PyTorch state_dict: torch.save .pt/.pth file or safetensors (required)")
	fl.StringVar(&f.out, "out", "", "checkpoint directory to write (required)")
	fl.StringVar(&f.vocab, "vocab", "", "tokens in id order: recurrent's vocab.json, a JSON array, or one per line (required)")
	fl.BoolVar(&f.asJSON, "json", false, `print {"out", "cell", "layers", "hidden", "embed", "vocab", "tied", "params", "level", "level_inferred"} as JSON`)
	fl.StringArrayVar(&f.rename, "rename", nil, "FROM=TO: rename tensors FROM or FROM.* to TO or TO.* (repeatable)")
	fl.StringVar(&f.cell, "cell", "", "rnn_tanh or rnn_relu for nn.RNN (default: from the shapes)")
	fl.StringVar(&f.specials, "specials", "<unk>,<eos>,<bos>,<pad>", "tokens of --vocab that are special (those present)")
	fl.StringVar(&f.tf.tokenizer, "tokenizer", "", "char, word or whitespace: how text is split for this model (default: char when every token is one character, else word)")
	fl.StringVar(&f.tf.level, "level", "", "char or word: shorthand for --tokenizer")
	fl.BoolVar(&f.tf.lower, "lower", false, "lowercase the text")
	fl.BoolVar(&f.tf.splitPunct, "split-punct", false, "word tokenizer: keep punctuation as separate tokens")
	fl.StringVar(&f.tf.eos, "eos", "auto", `end-of-line token ("auto": "\n" for char, <eos> otherwise)`)
	fl.StringVar(&f.tf.bos, "bos", "", "beginning-of-line token")
	return cmd
}

// readVocabList reads tokens in id order from recurrent's vocab.json, a
// JSON array or lines; specials is set only for vocab.json.
func readVocabList(path string) (toks, specials []string, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '{' {
		v := new(text.Vocab)
		if err := json.Unmarshal(t, v); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", path, err)
		}
		return v.Tokens(), v.Specials(), nil
	}
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '[' {
		var toks []string
		if err := json.Unmarshal(t, &toks); err != nil {
			return nil, nil, fmt.Errorf("%s: not a JSON array of strings: %w", path, err)
		}
		return toks, nil, nil
	}
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil, nil, fmt.Errorf("%s: empty vocabulary", path)
	}
	return strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n"), nil, nil
}

// charVocab reports whether every token but the specials is one character.
func charVocab(toks, specials []string) bool {
	n := 0
	for _, t := range toks {
		if slices.Contains(specials, t) {
			continue
		}
		if utf8.RuneCountInString(t) != 1 {
			return false
		}
		n++
	}
	return n > 0
}

func runLMImport(cmd *cobra.Command, f *lmImportFlags) error {
	if f.stateDict == "" || f.out == "" || f.vocab == "" {
		return errors.New("lm import: --state-dict, --vocab and --out are required")
	}
	f.tf.tokenizerSet = cmd.Flags().Changed("tokenizer")
	toks, specials, err := readVocabList(f.vocab)
	if err != nil {
		return fmt.Errorf("lm import: vocabulary: %w", err)
	}
	if specials == nil || cmd.Flags().Changed("specials") {
		specials = nil
		for _, s := range strings.Split(f.specials, ",") {
			if s != "" && slices.Contains(toks, s) {
				specials = append(specials, s)
			}
		}
	}
	inferred := ""
	if !f.tf.tokenizerSet && f.tf.level == "" {
		f.tf.tokenizer = "word"
		if charVocab(toks, specials) {
			f.tf.tokenizer = "char"
		}
		inferred = " (from the vocabulary)"
	}
	tok, err := f.tf.lmTokenizer()
	if err != nil {
		return fmt.Errorf("lm import: %w", err)
	}
	var renames []lm.Rename
	for _, r := range f.rename {
		from, to, ok := strings.Cut(r, "=")
		if !ok || from == "" || to == "" && !strings.HasSuffix(from, ".") {
			return fmt.Errorf("lm import: --rename %q: want FROM=TO (TO may be empty to drop a prefix ending in \".\")", r)
		}
		renames = append(renames, lm.Rename{From: from, To: to})
	}
	v, err := text.NewVocab(toks, nil, specials)
	if err != nil {
		return fmt.Errorf("lm import: %s: %w", f.vocab, err)
	}
	m, err := lm.ImportPyTorch(f.stateDict, lm.ImportOptions{Cell: f.cell, Vocab: v, Tokenizer: tok, Rename: renames})
	if err != nil {
		return err
	}
	if err := m.Save(f.out); err != nil {
		return err
	}
	c := m.Config
	if f.asJSON {
		return printJSON(cmd.OutOrStdout(), map[string]any{"out": f.out, "cell": c.Cell, "layers": c.Layers, "hidden": c.Hidden,
			"embed": c.EmbedDim, "vocab": c.VocabSize, "tied": c.Tied, "params": m.NumParams(), "level": tok.Mode.String(),
			"level_inferred": inferred != ""})
	}
	fmt.Fprintf(cmd.OutOrStdout(), "imported %s %d layers x %d, embed %d, vocab %d, tied %v, %d parameters into %s; %s level%s\n",
		c.Cell, c.Layers, c.Hidden, c.EmbedDim, c.VocabSize, c.Tied, m.NumParams(), f.out, tok.Mode, inferred)
	return nil
}
