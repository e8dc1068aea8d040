#!/usr/bin/python3
"""Train gensim 4 Word2Vec with the benchmark's settings (bench/vectors.sh).

usage: vectors_gensim.py CORPUS.txt OUT.vec sg|cbow EPOCHS THREADS SAMPLE
"""
import os
for _v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # set on this machine; hold OpenBLAS to older kernels
    if _v in os.environ:
        raise SystemExit(f"unset {_v} for the peer (bench/vectors.sh does)")
import sys
import time

from gensim.models import Word2Vec

corpus, out, method, epochs, threads, sample = sys.argv[1:7]
start = time.time()
model = Word2Vec(corpus_file=corpus, sg=1 if method == "skipgram" else 0, vector_size=100, window=5,
                 negative=5, hs=0, min_count=5, sample=float(sample), workers=int(threads),
                 epochs=int(epochs), seed=1)
model.wv.save_word2vec_format(out, binary=False)
print("gensim %s: %.1fs, vocab %d" % (method, time.time() - start, len(model.wv)), file=sys.stderr)
