#!/usr/bin/python3
"""Train gensim 4 Word2Vec with the benchmark's settings (bench/vectors.sh).

usage: vectors_gensim.py CORPUS.txt OUT.vec sg|cbow EPOCHS THREADS SAMPLE [ALPHA [SEED]]

corpus_file mode (gensim's fastest). The vocabulary pass and the training
are called separately (what the Word2Vec constructor does in one call) so
that start-up and every epoch are timed on their own; a last stderr line
"timings {json}" gives import, vocab, per-epoch and save seconds, and the
process's CPU seconds (all threads) at the end of the start-up and of training.
"""
import time

t0 = time.time()
import json
import os
for _v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # set on this machine; hold OpenBLAS to older kernels
    if _v in os.environ:
        raise SystemExit(f"unset {_v} for the peer (bench/vectors.sh does)")
import sys

from gensim.models import Word2Vec
from gensim.models.callbacks import CallbackAny2Vec

corpus, out, method, epochs, threads, sample = sys.argv[1:7]
alpha = float(sys.argv[7]) if len(sys.argv) > 7 else 0.025
seed = int(sys.argv[8]) if len(sys.argv) > 8 else 1
epochs = int(epochs)


class EpochTimer(CallbackAny2Vec):
    def __init__(self):
        self.times = []
        self.begin = 0.0

    def on_epoch_begin(self, model):
        self.begin = time.time()

    def on_epoch_end(self, model):
        self.times.append(time.time() - self.begin)


t_import = time.time()
model = Word2Vec(sg=1 if method == "skipgram" else 0, vector_size=100, window=5, negative=5, hs=0,
                 min_count=5, sample=float(sample), workers=int(threads), alpha=alpha, epochs=epochs, seed=seed)
model.build_vocab(corpus_file=corpus)
t_vocab = time.time()
cpu_vocab = time.process_time()
timer = EpochTimer()
model.train(corpus_file=corpus, total_examples=model.corpus_count, total_words=model.corpus_total_words,
            epochs=epochs, callbacks=[timer])
t_train = time.time()
cpu_train = time.process_time()
model.wv.save_word2vec_format(out, binary=False)
t_save = time.time()
print("gensim %s: %.1fs, vocab %d" % (method, t_save - t0, len(model.wv)), file=sys.stderr)
print("timings " + json.dumps({"import_s": round(t_import - t0, 2), "startup_s": round(t_vocab - t0, 2),
                               "train_s": round(t_train - t_vocab, 2), "epoch_s": [round(e, 2) for e in timer.times],
                               "save_s": round(t_save - t_train, 2),
                               "startup_cpu_s": round(cpu_vocab, 2), "train_cpu_s": round(cpu_train - cpu_vocab, 2)}), file=sys.stderr)
