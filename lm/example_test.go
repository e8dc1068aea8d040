package lm_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/recurrent-go/recurrent/lm"
	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/train"
)

// Train a character language model on a few names with the shared loop
// (lm.Trainer runs the language model's train.Task on it), then sample
// from it.
func Example() {
	corpus := strings.Repeat("anna\nbob\nhannah\notto\n", 40)
	tok := text.Tokenizer{Mode: text.Chars, EOS: "\n"} // a line ends with "\n"
	c := text.NewCounter()
	if err := text.CountReader(c, &tok, strings.NewReader(corpus), "names"); err != nil {
		panic(err)
	}
	v, err := text.BuildVocab(c, text.VocabOptions{Specials: []string{}}) // a closed character set
	if err != nil {
		panic(err)
	}
	ids, err := text.EncodeReader(v, &tok, strings.NewReader(corpus), "names")
	if err != nil {
		panic(err)
	}
	cut := len(ids) * 9 / 10
	m, err := lm.New(lm.Config{Arch: lm.Arch{Cell: "lstm", VocabSize: v.Len(), EmbedDim: 16, Hidden: 32, Layers: 1}, Tokenizer: tok}, v, 1)
	if err != nil {
		panic(err)
	}
	tr, err := lm.NewTrainer(m, ids[:cut], ids[cut:], lm.TrainConfig{
		Batch: 4, BPTT: 16, MaxSteps: 150, Optimizer: "adam", LR: 0.02, Clip: 1, Seed: 1, EvalEvery: 50})
	if err != nil {
		panic(err)
	}
	res, err := tr.Run(context.Background(), func(e train.Event) {
		if ev, ok := e.(train.EvalEvent); ok && ev.Pos.Step == 150 {
			fmt.Printf("step %d: validation perplexity below 2: %v\n", ev.Pos.Step, ev.Eval.Metrics["perplexity"] < 2)
		}
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("stopped:", res.Stop)

	tr.Loop().RestoreBest()                                                                   // the best validation's weights, as --model DIR loads
	out, err := m.Sample(context.Background(), lm.SampleOptions{MaxTokens: 30, Greedy: true}) // from a line boundary
	if err != nil {
		panic(err)
	}
	s, err := m.Decode(out)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%q\n", strings.SplitN(s, "\n", 3)[:2])
	// Output:
	// step 150: validation perplexity below 2: true
	// stopped: steps
	// ["anna" "bob"]
}
