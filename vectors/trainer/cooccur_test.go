package trainer

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/recurrent-go/recurrent/text"
	"github.com/recurrent-go/recurrent/vectors/glove"
)

// check fails the test on err.
func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestTrainCooccur: GloVe from a directory of co-occurrence shards counted
// with the vocabulary file gives the vectors of GloVe counting the corpus
// in-process with that vocabulary.
func TestTrainCooccur(t *testing.T) {
	const vocFile, window = "testdata/topics-vocab.json", 3
	v, err := text.LoadVocab(vocFile)
	check(t, err)
	voc, err := text.NewCorpusVocab(v)
	check(t, err)
	pc, err := glove.NewPairCounter(voc.Len(), window, 1<<13, t.TempDir())
	check(t, err)
	defer pc.Close()
	corpus, err := text.NewCorpus(topics)
	check(t, err)
	check(t, corpus.Sentences(context.Background(), voc, 0, pc.AddSentence))
	var pairs []glove.Pair
	check(t, pc.Each(func(i, j int32, n uint64) error {
		pairs = append(pairs, glove.Pair{I: i, J: j, N: n})
		return nil
	}))
	dir := t.TempDir()
	shard, err := os.Create(filepath.Join(dir, "cooccur-00000-of-00001.cooc"))
	check(t, err)
	check(t, glove.WriteShard(shard, glove.ShardHeader{Window: window, Vocab: voc.Len(), VocabHash: glove.VocabHash(voc.Words)}, pairs))
	check(t, shard.Close())

	opt := small("glove", topics)
	opt.Vocab = vocFile
	want, wantSum, err := Train(context.Background(), opt, nil)
	check(t, err)
	opt.Corpus, opt.Cooccur = nil, []string{dir}
	got, sum, err := Train(context.Background(), opt, nil)
	check(t, err)
	if !slices.Equal(got.Words, want.Words) || !slices.Equal(got.Data, want.Data) || sum.Pairs != wantSum.Pairs || sum.Pairs == 0 {
		t.Errorf("GloVe from shards differs from GloVe counting the corpus (%d entries, want %d)", sum.Pairs, wantSum.Pairs)
	}
}
