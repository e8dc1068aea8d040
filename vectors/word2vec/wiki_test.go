package word2vec

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/recurrent-go/recurrent/text"
)

// TestCorpusEnv trains on the corpus files in $W2V_CORPUS (comma-separated)
// and logs the throughput; it is skipped when the variable is unset.
func TestCorpusEnv(t *testing.T) {
	files := os.Getenv("W2V_CORPUS")
	if files == "" {
		t.Skip("W2V_CORPUS not set")
	}
	c, err := text.NewCorpus(strings.Split(files, ",")...)
	if err != nil {
		t.Fatal(err)
	}
	opt := DefaultOptions()
	opt.Sample = 1e-4
	opt.Epochs = 1
	opt.Threads = 2
	if os.Getenv("W2V_CBOW") != "" {
		opt.Method = CBOW
	}
	start := time.Now()
	m, err := Train(context.Background(), c, opt, nil)
	if err != nil {
		t.Fatal(err)
	}
	sec := time.Since(start).Seconds()
	t.Logf("%d words, vocab %d, %.1fs, %.0f words/s, loss %.4f", m.Words, m.Vocab.Len(), sec, float64(m.Words)/sec, m.Loss)
}
