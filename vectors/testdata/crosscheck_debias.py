#!/usr/bin/python3
"""Cross-check `recurrent vectors debias` against a numpy hard-debias that follows
the steps of debiaswe's debias.py (Bolukbasi et al. 2016).

Usage: crosscheck_debias.py ORIGINAL.bin DEBIASED.bin LISTS_DIR
(DEBIASED.bin from `recurrent vectors debias --vectors ORIGINAL.bin --out DEBIASED.bin`).
Not run by go test (needs gensim and numpy).
"""
import json, sys
import numpy as np
from gensim.models import KeyedVectors
D=sys.argv[3].rstrip('/')+'/'
kv = KeyedVectors.load_word2vec_format(sys.argv[1], binary=True)
words = kv.index_to_key; idx = {w:i for i,w in enumerate(words)}
E = kv.vectors.astype(np.float64); E /= np.linalg.norm(E, axis=1, keepdims=True)
def v(w):
    if w in idx: return E[idx[w]]
    return E[idx[w.lower()]]
defs = [p for p in json.load(open(D+'definitional_pairs.json')) if (p[0] in idx or p[0].lower() in idx) and (p[1] in idx or p[1].lower() in idx)]
M=[]
for a,b in defs:
    c=(v(a)+v(b))/2; M.append(v(a)-c); M.append(v(b)-c)
M=np.array(M); M-=M.mean(0)
g=np.linalg.svd(M, full_matrices=False)[2][0]
spec=set(json.load(open(D+'gender_specific_full.json')))
for i,w in enumerate(words):
    if w not in spec: E[i] -= g*E[i].dot(g)
E /= np.linalg.norm(E, axis=1, keepdims=True)
eq=json.load(open(D+'equalize_pairs.json'))
cands={x for e1,e2 in eq for x in [(e1.lower(),e2.lower()),(e1.title(),e2.title()),(e1.upper(),e2.upper())]}
n=0
for a,b in cands:
    if a in idx and b in idx:
        n+=1
        y=(E[idx[a]]+E[idx[b]])/2; y-=g*y.dot(g)
        z=np.sqrt(1-np.linalg.norm(y)**2)
        if (E[idx[a]]-E[idx[b]]).dot(g)<0: z=-z
        E[idx[a]]=z*g+y; E[idx[b]]=-z*g+y
E /= np.linalg.norm(E, axis=1, keepdims=True)
ours = KeyedVectors.load_word2vec_format(sys.argv[2], binary=True)
assert ours.index_to_key == words
diff=np.abs(ours.vectors-E)
print("equalized", n, "max abs diff", diff.max(), "mean", diff.mean())
prof=[p[0] for p in json.load(open(D+'professions.json'))]
pv=[E[idx[p]] for p in dict.fromkeys(prof) if p in idx]
print("direct bias after (ref)", np.mean([abs(x.dot(g)) for x in pv]), len(pv))
