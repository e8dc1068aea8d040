#!/bin/sh
# Generate the fastText test files (run from vectors/testdata: sh gen_fasttext.sh).
# Needs Debian's fasttext binary (apt-get install fasttext; 0.9.2 writes format version 12).
#
# fasttext_tiny.bin: a skipgram model trained on the first 30,000 bytes of
#   lm/tinyshakespeare/input.txt plus two lines with non-ASCII words (so the
#   signed-byte FNV-1a hash fastText uses is exercised), dim 10, 2000 buckets,
#   character n-grams of 2 to 4.
# fasttext_tiny.words: the words queried: in the vocabulary and not.
# fasttext_tiny.expected: fasttext print-word-vectors of those words (5
#   significant digits, as fastText prints them).
# fasttext_sup.bin: a supervised model (labels in its dictionary, n-grams of
#   2 to 3 characters) on the first 6,000 bytes of tiny-shakespeare with
#   alternating labels; fasttext_sup.expected: print-word-vectors of the same
#   words. fasttext_sup.ftz: that model quantized with a pruned dictionary
#   (-cutoff), which the reader must refuse clearly.
set -e
corpus=$(mktemp)
trap 'rm -f "$corpus" fasttext_tiny.vec fasttext_sup.vec' EXIT
{ head -c 30000 ../../lm/tinyshakespeare/input.txt
  printf 'the café is naïve and the café is open\nnaïve café naïve café\n'; } > "$corpus"
fasttext skipgram -input "$corpus" -output fasttext_tiny -dim 10 -bucket 2000 -minCount 3 \
	-epoch 3 -thread 1 -minn 2 -maxn 4 -verbose 0
printf '%s\n' the café naïve citizens First '</s>' zebra naïveté x Ünïcödé citizenship firstly > fasttext_tiny.words
fasttext print-word-vectors fasttext_tiny.bin < fasttext_tiny.words > fasttext_tiny.expected
head -c 6000 ../../lm/tinyshakespeare/input.txt | awk 'NF > 0 { print "__label__" (NR % 2) " " $0 }' > "$corpus"
fasttext supervised -input "$corpus" -output fasttext_sup -dim 4 -bucket 500 -minn 2 -maxn 3 -epoch 1 -thread 1 -verbose 0
fasttext print-word-vectors fasttext_sup.bin < fasttext_tiny.words > fasttext_sup.expected
fasttext quantize -input "$corpus" -output fasttext_sup -cutoff 300 -thread 1 -verbose 0
