package train

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
)

// Text describes the evaluation on one line: the training loss since the
// previous one, the validation loss, the metrics (sorted by name; whole
// numbers without decimals), the learning rate, the time, and "best" when
// it improved. labels renames metrics ("bits" -> "bits/char"); a metric
// renamed to "" is left out.
func (e EvalEvent) Text(labels map[string]string) string {
	var b strings.Builder
	if e.Eval.TrainLoss != 0 {
		fmt.Fprintf(&b, "train loss %.4f  ", e.Eval.TrainLoss)
	}
	if e.Eval.Loss != 0 || len(e.Eval.Metrics) == 0 {
		// A task that only scores (the tagger's F1) leaves Loss 0.
		fmt.Fprintf(&b, "valid loss %.4f", e.Eval.Loss)
	}
	for _, k := range slices.Sorted(maps.Keys(e.Eval.Metrics)) {
		label := k
		if l, ok := labels[k]; ok {
			label = l
		}
		if label == "" {
			continue
		}
		v := e.Eval.Metrics[k]
		if v == math.Trunc(v) && math.Abs(v) < 1e15 {
			fmt.Fprintf(&b, "  %s %d", label, int64(v))
		} else {
			fmt.Fprintf(&b, "  %s %.4f", label, v)
		}
	}
	fmt.Fprintf(&b, "  lr %.4g  (%.0fs)", e.Eval.LR, e.Elapsed.Seconds())
	if e.Improved {
		b.WriteString("  best")
	}
	return b.String()
}
