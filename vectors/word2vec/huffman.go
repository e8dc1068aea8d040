package word2vec

// huffman is the binary Huffman tree over the vocabulary used by
// hierarchical softmax. Word w's path from the root visits the inner nodes
// points[off[w]:off[w+1]] (ids in [0, V-1), rows of the output matrix) and
// takes the branches codes[off[w]:off[w+1]] (0 or 1).
type huffman struct {
	codes  []uint8
	points []int32
	off    []int32 // [V+1]
}

// buildHuffman builds the tree with the two-queue method of word2vec.c:
// counts must be sorted by descending count. Frequent words get short codes.
func buildHuffman(counts []int64) huffman {
	v := len(counts)
	if v == 1 {
		// A single word needs one binary decision to have any parameters.
		return huffman{codes: []uint8{0}, points: []int32{0}, off: []int32{0, 1}}
	}
	count := make([]int64, 2*v-1)
	copy(count, counts)
	for i := v; i < len(count); i++ {
		count[i] = 1 << 62
	}
	parent := make([]int32, 2*v-1)
	binary := make([]uint8, 2*v-1)
	// pos1 walks the leaves from the rarest; pos2 walks the inner nodes in
	// creation order (their counts are non-decreasing).
	pos1, pos2 := v-1, v
	pick := func() int {
		if pos1 >= 0 && count[pos1] < count[pos2] {
			pos1--
			return pos1 + 1
		}
		pos2++
		return pos2 - 1
	}
	for a := 0; a < v-1; a++ {
		m1 := pick()
		m2 := pick()
		count[v+a] = count[m1] + count[m2]
		parent[m1] = int32(v + a)
		parent[m2] = int32(v + a)
		binary[m2] = 1
	}
	root := int32(2*v - 2)
	h := huffman{off: make([]int32, v+1)}
	var code []uint8
	var point []int32
	for w := 0; w < v; w++ {
		code, point = code[:0], point[:0]
		for b := int32(w); b != root; b = parent[b] {
			code = append(code, binary[b])
			point = append(point, parent[b]-int32(v))
		}
		// Store root-first.
		for i := len(code) - 1; i >= 0; i-- {
			h.codes = append(h.codes, code[i])
			h.points = append(h.points, point[i])
		}
		h.off[w+1] = int32(len(h.codes))
	}
	return h
}
