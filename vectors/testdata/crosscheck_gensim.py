#!/usr/bin/python3
"""Cross-check `recurrent vectors eval --json` against gensim 4.

Usage: crosscheck_gensim.py VECTORS ANALOGY RESTRICT [SIMILARITY...] > gensim.json
then compare with `recurrent vectors eval --vectors VECTORS --analogy ANALOGY
--restrict RESTRICT --similarity ... --json`. Not run by go test (needs gensim).
"""
import json
import sys

from gensim.models import KeyedVectors

path, analogies, restrict = sys.argv[1], sys.argv[2], int(sys.argv[3])
binary = path.endswith('.bin') or path.endswith('.bin.gz')
kv = KeyedVectors.load_word2vec_format(path, binary=binary)
score, sections = kv.evaluate_word_analogies(analogies, restrict_vocab=restrict or len(kv))
out = {'analogy': {'total': score, 'sections': []}, 'similarity': {}}
sem = [0, 0]
syn = [0, 0]
for s in sections[:-1]:
    c, i = len(s['correct']), len(s['incorrect'])
    out['analogy']['sections'].append({'section': s['section'], 'correct': c, 'incorrect': i})
    acc = syn if s['section'].startswith('gram') else sem
    acc[0] += c
    acc[1] += i
out['analogy']['semantic'] = sem[0] / max(1, sum(sem))
out['analogy']['syntactic'] = syn[0] / max(1, sum(syn))
for sim in sys.argv[4:]:
    pearson, spearman, oov = kv.evaluate_word_pairs(sim)
    out['similarity'][sim.split('/')[-1]] = {
        'spearman': float(spearman[0]), 'pearson': float(pearson[0]), 'oov_percent': oov}
json.dump(out, sys.stdout, indent=1)
