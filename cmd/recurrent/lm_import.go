package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/recurrent-go/recurrent/internal/cli"
	"github.com/recurrent-go/recurrent/lm"
)

// lmImportFlags are the flags of `recurrent lm import`.
type lmImportFlags struct {
	stateDict, out, vocab, cell, specials string
	rename                                []string
	tok                                   lm.TokenizerOptions
}

func newLMImportCmd() *cobra.Command {
	var f lmImportFlags
	cmd := newReportCmd(&cobra.Command{
		Use:   "import --state-dict FILE.pt --vocab FILE --out DIR",
		Short: "Convert a PyTorch language model's state_dict (torch.save or safetensors) into a checkpoint",
	}, `print {"out", "cell", "layers", "hidden", "embed", "vocab", "tied", "params", "level", "level_inferred"} as JSON`, false, func(cmd *cobra.Command, _ []string) (textWriter, error) { return runLMImport(cmd, &f) })
	fl := cmd.Flags()
	fl.StringVar(&f.stateDict, "state-dict", "", `the PyTorch state_dict: torch.save .pt/.pth file or safetensors ("-": standard input; required)`)
	fl.StringVar(&f.out, "out", "", "checkpoint directory to write (required)")
	fl.StringVar(&f.vocab, "vocab", "", `tokens in id order: recurrent's vocab.json, a JSON array, or one per line ("-": standard input; required)`)
	fl.StringArrayVar(&f.rename, "rename", nil, "FROM=TO: rename tensors FROM or FROM.* to TO or TO.* (repeatable)")
	fl.StringVar(&f.cell, "cell", "", "rnn_tanh or rnn_relu for nn.RNN (default: from the shapes)")
	fl.StringVar(&f.specials, "specials", "<unk>,<eos>,<bos>,<pad>", "tokens of --vocab that are special (those present)")
	addTokenizerFlags(fl, &f.tok, "", "char, word or whitespace: how text is split for this model (default: char when every token is one character, else word)", "auto")
	cli.MarkRequired(cmd, "state-dict", "vocab", "out")
	cli.MarkInputs(cmd, "state-dict", "vocab")
	cli.MarkReplacesCheckpoint(cmd, "out")
	return cmd
}

func runLMImport(cmd *cobra.Command, f *lmImportFlags) (textWriter, error) {
	f.tok.NameSet = cmd.Flags().Changed("tokenizer")
	v, tok, inferred, err := lm.ImportVocab(f.vocab, f.specials, cmd.Flags().Changed("specials"), f.tok)
	if err != nil {
		return nil, fmt.Errorf("lm import: %w", err)
	}
	renames, err := lm.ParseRenames(f.rename)
	if err != nil {
		return nil, fmt.Errorf("lm import: --rename %w", err)
	}
	m, err := lm.ImportPyTorch(f.stateDict, lm.ImportOptions{Cell: f.cell, Vocab: v, Tokenizer: tok, Rename: renames})
	if err == nil {
		err = m.Save(f.out)
	}
	if err != nil {
		return nil, err
	}
	r := lm.NewImportReport(m, f.out, inferred)
	return &r, nil
}
