package glove

import (
	"context"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/recurrent-go/recurrent/text"
)

// TestShardHostileRecords: every field of a shard that a reader could take
// wrongly is checked, each refusal naming the file and the record.
func TestShardHostileRecords(t *testing.T) {
	voc := &text.CorpusVocab{Words: []string{"a", "b", "c"}, Index: map[string]int32{"a": 0, "b": 1, "c": 2}}
	header := func(window, vocab uint32, unit, records uint64) []byte {
		b := make([]byte, shardHeaderSize)
		copy(b, shardMagic)
		binary.LittleEndian.PutUint32(b[8:], shardVersion)
		binary.LittleEndian.PutUint32(b[12:], window)
		binary.LittleEndian.PutUint32(b[16:], vocab)
		binary.LittleEndian.PutUint64(b[24:], VocabHash(voc.Words))
		binary.LittleEndian.PutUint64(b[32:], unit)
		binary.LittleEndian.PutUint64(b[40:], records)
		return b
	}
	shard := func(recs ...[3]uint64) []byte {
		b := header(2, 3, Unit(2), uint64(len(recs)))
		for _, r := range recs {
			b = binary.LittleEndian.AppendUint32(b, uint32(r[0]))
			b = binary.LittleEndian.AppendUint32(b, uint32(r[1]))
			b = binary.LittleEndian.AppendUint64(b, r[2])
		}
		return b
	}
	big := uint64(math.MaxUint64 - 1)
	for _, tc := range []struct {
		name   string
		shards [][]byte
		want   string
	}{
		{"i_above_j", [][]byte{shard([3]uint64{1, 0, 2})}, "record 0 (1, 0, 2) is not a canonical pair"},
		{"j_past_vocab", [][]byte{shard([3]uint64{0, 3, 2})}, "record 0 (0, 3, 2)"},
		{"j_2^32-1", [][]byte{shard([3]uint64{0, math.MaxUint32, 2})}, "record 0"},
		{"zero_count", [][]byte{shard([3]uint64{0, 1, 2}, [3]uint64{1, 1, 0})}, "record 1 (1, 1, 0)"},
		{"repeated_pair", [][]byte{shard([3]uint64{0, 1, 2}, [3]uint64{0, 1, 2})}, "record 1"},
		{"window_0", [][]byte{header(0, 3, 1, 0)}, "window 0"},
		{"unit_not_of_window", [][]byte{header(2, 3, 3, 0)}, "unit 3"},
		{"records_past_file", [][]byte{header(2, 3, Unit(2), 1<<40)}, "announces 1099511627776 records"},
		{"records_overflow", [][]byte{header(2, 3, Unit(2), math.MaxUint64/16+1)}, "records"},
		{"count_sum_overflows", [][]byte{shard([3]uint64{0, 1, big}), shard([3]uint64{0, 1, big})}, "overflows"},
		{"no_pairs", [][]byte{shard()}, "hold no pairs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var paths []string
			for i, b := range tc.shards {
				p := filepath.Join(t.TempDir(), "s"+string(rune('0'+i))+".cooc")
				if err := os.WriteFile(p, b, 0o644); err != nil {
					t.Fatal(err)
				}
				paths = append(paths, p)
			}
			_, _, err := ReadShards(context.Background(), paths, voc, func(Cooccurrence) error { return nil })
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), ".cooc") && tc.name != "count_sum_overflows" {
				t.Errorf("error %v, want one naming the file and containing %q", err, tc.want)
			}
		})
	}
}
