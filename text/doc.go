// Package text turns raw text into the integer sequences the models consume:
// tokenizers (characters, Unicode words, whitespace-separated tokens),
// validated line reading with precise error positions, a vocabulary with
// special tokens and counts that round-trips through JSON, and batching —
// contiguous streams for language models (truncated BPTT) and padded,
// optionally bucketed and shuffled batches for classification and tagging.
//
// Ids are int32 and batches are time-major: element (t, b) of a [T, B] batch
// is at index t*B+b. One-hot vectors are never materialized.
package text
