package pipelines

import (
	"strings"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
)

// TestNoPatterns: an --input of only commas and spaces is an error of the
// pipeline's construction (it indexed an empty list of patterns).
func TestNoPatterns(t *testing.T) {
	for _, in := range []string{",", " , ", " "} {
		_, s := beam.NewPipelineWithRoot()
		if err := Vocab(s, VocabOptions{Input: in, Output: "x"}); err == nil || !strings.Contains(err.Error(), "no file pattern") {
			t.Errorf("vocab --input %q: %v", in, err)
		}
		_, s = beam.NewPipelineWithRoot()
		if err := Cooccur(s, CooccurOptions{Input: in, Vocab: "v", Output: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "no file pattern") {
			t.Errorf("cooccur --input %q: %v", in, err)
		}
		_, s = beam.NewPipelineWithRoot()
		if err := Predict(s, PredictOptions{Input: in, Output: "x", Task: TaskEmbed, Model: "m"}); err == nil || !strings.Contains(err.Error(), "no file pattern") {
			t.Errorf("predict --input %q: %v", in, err)
		}
	}
}
