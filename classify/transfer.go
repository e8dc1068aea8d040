package classify

import (
	"errors"
	"fmt"
)

// InitFrom starts m from a classifier trained on another task: it copies
// src's recurrent weights, and the embedding row of every vocabulary word
// src has, into m; m keeps its own head (its labels may differ) and its
// other embedding rows (random, or from LoadVectors). Both must be
// recurrent models with the same cell, embedding size, hidden size, depth
// and directions. It returns the number of vocabulary words whose rows
// were copied (the padding row excluded).
func (m *Model) InitFrom(src *Model) (int, error) {
	if m.RNN == nil || src.RNN == nil {
		return 0, errors.New("classify: init from another model: both must be recurrent (arch rnn)")
	}
	a, b := m.Config, src.Config
	if a.Cell != b.Cell || a.Embed != b.Embed || a.Hidden != b.Hidden || a.Layers != b.Layers || a.Bidirectional != b.Bidirectional {
		return 0, fmt.Errorf("classify: init from another model: it has cell %s, embed %d, hidden %d, layers %d, bidirectional %v; this one cell %s, embed %d, hidden %d, layers %d, bidirectional %v",
			b.Cell, b.Embed, b.Hidden, b.Layers, b.Bidirectional, a.Cell, a.Embed, a.Hidden, a.Layers, a.Bidirectional)
	}
	dst, from := m.RNN.Params(), src.RNN.Params()
	if len(dst) != len(from) {
		return 0, fmt.Errorf("classify: init from another model: %d recurrent parameters, want %d", len(from), len(dst))
	}
	for i, p := range dst {
		q := from[i]
		if p.Name != q.Name || len(p.Data) != len(q.Data) {
			return 0, fmt.Errorf("classify: init from another model: parameter %s (%d values) does not match %s (%d values)", q.Name, len(q.Data), p.Name, len(p.Data))
		}
	}
	for i, p := range dst {
		copy(p.Data, from[i].Data)
	}
	E, n := a.Embed, 0
	for id, w := range m.Vocab.Tokens() {
		if id == padID {
			continue
		}
		sid, ok := src.Vocab.Lookup(w)
		if !ok || sid == padID {
			continue
		}
		copy(m.Embedding.Weight.Data[id*E:(id+1)*E], src.Embedding.Weight.Data[int(sid)*E:(int(sid)+1)*E])
		n++
	}
	return n, nil
}
