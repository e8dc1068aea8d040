package text_test

import (
	"fmt"
	"strings"

	"github.com/recurrent-go/recurrent/text"
)

// Build a vocabulary from a small corpus, encode it as one stream and cut
// it into two contiguous streams read in chunks of three steps.
func Example() {
	tok := &text.Tokenizer{Mode: text.Words, Lower: true, SplitPunct: true, EOS: text.EOS}
	corpus := "The cat sat.\nThe dog sat!\n"

	c := text.NewCounter()
	if err := text.CountReader(c, tok, strings.NewReader(corpus), "corpus"); err != nil {
		panic(err)
	}
	v, err := text.BuildVocab(c, text.VocabOptions{Specials: []string{text.UNK, text.EOS}})
	if err != nil {
		panic(err)
	}
	fmt.Println(v.Tokens())

	ids, err := text.EncodeReader(v, tok, strings.NewReader(corpus), "corpus")
	if err != nil {
		panic(err)
	}
	fmt.Println(ids)

	sb, err := text.NewStreamBatcher(ids, 2, 3)
	if err != nil {
		panic(err)
	}
	x, y := make([]int32, 3*2), make([]int32, 3*2)
	for k := range sb.NumChunks() {
		n := sb.Chunk(k, x, y)
		fmt.Println("chunk", k, "inputs", x[:n*2], "targets", y[:n*2])
	}
	// Output:
	// [<unk> <eos> sat the ! . cat dog]
	// [3 6 2 5 1 3 7 2 4 1]
	// chunk 0 inputs [3 3 6 7 2 2] targets [6 7 2 2 5 4]
	// chunk 1 inputs [5 4] targets [1 1]
}

func ExampleTokenizer() {
	words := text.Tokenizer{SplitPunct: true}
	fmt.Printf("%q\n", words.Tokenize("Café «crème», 東京! 👍🏽"))
	chars := text.Tokenizer{Mode: text.Chars, Lower: true, EOS: "\n"}
	fmt.Printf("%q\n", chars.Tokenize("Ré!"))
	// Output:
	// ["Café" "«" "crème" "»" "," "東京" "!" "👍🏽"]
	// ["r" "é" "!" "\n"]
}
