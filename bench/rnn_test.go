package bench

import (
	"testing"

	"github.com/recurrent-go/recurrent/nn"
)

func TestRNNFLOPsPerToken(t *testing.T) {
	// LSTM H=512 L=2 V=65: per layer 2*(4*512)*(512+512), decoder 2*512*65.
	want := 2.0*2048*1024*2 + 2*512*65
	if got := rnnFLOPsPerToken(nn.CellLSTM, 512, 2, 65, false); got != want {
		t.Errorf("inference FLOPs = %v, want %v", got, want)
	}
	if got := rnnFLOPsPerToken(nn.CellLSTM, 512, 2, 65, true); got != 3*want {
		t.Errorf("training FLOPs = %v, want %v", got, 3*want)
	}
}
