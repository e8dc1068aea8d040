#!/usr/bin/env python3
"""PyTorch reference cases for nn.RNN at a hidden size where the vector
paths run (format of testdata/golden/README.md, rnn_*.json): H = 21 units,
so the fused cell kernels take whole blocks (two of 8 with AVX2, one of 16
with AVX-512) and a tail of 5 (and, on the team, parts of 12 and 9 units),
and the backward cell rows their 8-unit assembly blocks and a Go tail;
batches of 1 and of 9 rows (over the 6 rows from which the time loop
can run on the team), unsorted lengths with length-1 rows. Parameters are
twice PyTorch's init (wider pre-activations). Computed in float64 from
float32-representable values; numbers written with 9 significant digits
(exact for the float32 inputs). The case is built by ../rnn_golden's
write_case. Usage: gen_golden.py OUTDIR (PyTorch 1.13)."""
import os, sys, torch
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "rnn_golden"))
from gen_golden import write_case

out_dir = sys.argv[1]
torch.manual_seed(7)
# cell, layers, bidirectional, bias, lengths (None: all S)
cases=[("lstm",1,True,True,[4,1,3,4,2,4,4,1,3]),("gru",2,False,True,None),("gru",1,True,False,[2,4,1,4,4,3,4,1,2])]
for cell,L,bidir,bias,lengths in cases:
    write_case(out_dir,cell,L,bidir,bias,lengths,I=3,H=21,B=len(lengths) if lengths else 1,S=4,scale=2,digits=9,compact=True,
               name=f"{cell}_H21_L{L}_{'bi' if bidir else 'uni'}_{'bias' if bias else 'nobias'}_B{len(lengths) if lengths else 1}")
