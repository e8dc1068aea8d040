package vectors

import (
	"compress/gzip"
	"embed"
	"fmt"
	"io/fs"
)

// builtin holds the Google analogy set (Mikolov et al. 2013, Apache-2.0,
// github.com/tmikolov/word2vec) and the debiasing word lists of Bolukbasi et
// al. 2016 (MIT, github.com/tolga-b/debiaswe), so the command works without
// data files.
//
//go:embed builtin/questions-words.txt.gz builtin/debias/*.json
var builtin embed.FS

// GoogleAnalogies returns the built-in Google analogy set (19,544 questions
// in 14 sections).
func GoogleAnalogies() (*AnalogySet, error) {
	f, err := builtin.Open("builtin/questions-words.txt.gz")
	if err != nil {
		return nil, fmt.Errorf("built-in analogies: %w", err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("built-in analogies: %w", err)
	}
	return ReadAnalogies(gz)
}

// BuiltinDebiasLists returns the built-in debiasing lists (see
// LoadDebiasLists).
func BuiltinDebiasLists(seed bool) (*DebiasLists, error) {
	sub, err := fs.Sub(builtin, "builtin/debias")
	if err != nil {
		return nil, err
	}
	return LoadDebiasListsFS(sub, seed)
}
