package word2vec

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/recurrent-go/recurrent/text"
)

// BenchmarkCorpusEnv trains one epoch on the corpus files in $W2V_CORPUS
// (comma-separated; W2V_CBOW set: CBOW) per iteration and reports words
// per second; it is skipped when the variable is unset. (It was a test
// that only logged.)
func BenchmarkCorpusEnv(b *testing.B) {
	files := os.Getenv("W2V_CORPUS")
	if files == "" {
		b.Skip("W2V_CORPUS not set")
	}
	c, err := text.NewCorpus(strings.Split(files, ",")...)
	if err != nil {
		b.Fatal(err)
	}
	opt := DefaultOptions()
	opt.Sample = 1e-4
	opt.Epochs = 1
	opt.Threads = 2
	if os.Getenv("W2V_CBOW") != "" {
		opt.Method = CBOW
	}
	var words int64
	start := time.Now()
	for range b.N {
		m, err := Train(context.Background(), c, opt, nil)
		if err != nil {
			b.Fatal(err)
		}
		words += m.Words
	}
	b.ReportMetric(float64(words)/time.Since(start).Seconds(), "words/s")
}
