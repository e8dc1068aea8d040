// Package pipelines holds recurrent's Apache Beam pipelines, which run the
// same way in-process on the Prism runner and on Flink, Spark or Dataflow:
//
//   - Vocab counts the tokens of sharded text with the core's tokenizers
//     into a vocabulary file (text.SaveVocab's format), byte-identical to
//     `recurrent vectors vocab` on the same files.
//   - Cooccur counts GloVe co-occurrences (symmetric window, 1/distance) for
//     a vocabulary file into sharded co-occurrence files (glove's shard
//     format) that `recurrent vectors train --method glove --cooccur DIR`
//     trains from, giving the vectors of the in-process count.
//   - Predict applies a trained checkpoint or a vector file to every line of
//     sharded text and writes sharded JSON Lines, one record per input line
//     in input order, each identical to the CLI's own --json record.
//
// Inputs are Beam file patterns (local paths, gs://, s3://); every file is
// read whole by one worker with the core's readers (plain or .gz), so the
// unit of parallelism is the input shard.
package pipelines
