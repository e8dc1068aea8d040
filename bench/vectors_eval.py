#!/usr/bin/python3
"""Evaluate word2vec-format vector files the same way for every tool.

usage: vectors_eval.py VECTORS [...]
Prints one line per file: path, analogy accuracy (Google set, questions
lower-cased, vocabulary restricted to the 30,000 most frequent words, i.e.
the first 30,000 rows of the file), WS-353 Spearman, WS-353 OOV %.
"""
import os
for _v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # set on this machine; hold OpenBLAS to older kernels
    if _v in os.environ:
        raise SystemExit(f"unset {_v} for the peer (bench/vectors.sh does)")
import sys
import warnings

from gensim.models import KeyedVectors

warnings.filterwarnings("ignore")
ANALOGY = "/work/shared/data/analogy/questions-words.txt"
WS353 = "/work/shared/data/similarity/wordsim353.tsv"

for path in sys.argv[1:]:
    kv = KeyedVectors.load_word2vec_format(path, binary=path.endswith(".bin"))
    acc, _ = kv.evaluate_word_analogies(ANALOGY, restrict_vocab=30000, case_insensitive=True)
    _, spearman, oov = kv.evaluate_word_pairs(WS353, case_insensitive=True)
    print("%s\t%.4f\t%.4f\t%.1f" % (path, acc, spearman[0], oov))
