// Package tinyshakespeare embeds Karpathy's tiny-shakespeare corpus
// (1,115,394 characters of Shakespeare's plays, public domain text; see
// SOURCE.txt) for the quickstart and for tests.
package tinyshakespeare

import _ "embed"

// Text is the whole corpus, UTF-8 (in fact ASCII), 65 distinct characters.
//
//go:embed input.txt
var Text string

// Split returns the first 90% of Text for training and the last 10% for
// validation, cut at the same character as nanoGPT's shakespeare_char
// preparation (1,003,854 and 111,540 characters).
func Split() (train, valid string) {
	n := len(Text) * 9 / 10
	return Text[:n], Text[n:]
}
