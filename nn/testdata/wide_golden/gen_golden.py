#!/usr/bin/env python3
"""PyTorch reference cases for nn.RNN at a hidden size where the vector
paths run (format of testdata/golden/README.md, rnn_*.json): H = 21 units,
so the fused cell kernels take whole blocks (two of 8 with AVX2, one of 16
with AVX-512) and a tail of 5 (and, on the team, parts of 12 and 9 units),
and the backward cell rows their 8-unit assembly blocks and a Go tail;
batches of 1 and of 9 rows (over the 6 rows from which the time loop
can run on the team), unsorted lengths with length-1 rows. Computed in
float64 from float32-representable values; numbers written with 9
significant digits (exact for the float32 inputs). Usage: gen_golden.py
OUTDIR (PyTorch 1.13)."""
import torch, json, sys
out_dir = sys.argv[1]
torch.manual_seed(7)
def T(x): return {"shape": list(x.shape), "data": [float("%.9g" % float(v)) for v in x.detach().reshape(-1)]}
def f32(x): return x.float().double()
# cell, layers, bidirectional, bias, lengths (None: all S)
cases=[("lstm",1,True,True,[4,1,3,4,2,4,4,1,3]),("gru",2,False,True,None),("gru",1,True,False,[2,4,1,4,4,3,4,1,2])]
for cell,L,bidir,bias,lengths in cases:
    I,H,S=3,21,4
    B=len(lengths) if lengths else 1
    D=2 if bidir else 1
    if cell=="lstm": m=torch.nn.LSTM(I,H,L,bias=bias,bidirectional=bidir)
    else: m=torch.nn.GRU(I,H,L,bias=bias,bidirectional=bidir)
    m=m.double()
    with torch.no_grad():
        for p in m.parameters(): p.copy_(f32(p*2))  # wider pre-activations than the default init
    x=f32(torch.randn(S,B,I)).requires_grad_()
    h0=f32(torch.randn(L*D,B,H)*0.5).requires_grad_()
    c0=f32(torch.randn(L*D,B,H)*0.5).requires_grad_()
    inp=x
    if lengths: inp=torch.nn.utils.rnn.pack_padded_sequence(x,torch.tensor(lengths),enforce_sorted=False)
    if cell=="lstm": po,(hn,cn)=m(inp,(h0,c0))
    else: po,hn=m(inp,h0); cn=None
    out=torch.nn.utils.rnn.pad_packed_sequence(po,total_length=S)[0] if lengths else po
    lw={"output":f32(torch.randn(out.shape)),"h_n":f32(torch.randn(hn.shape))}
    loss=(out*lw["output"]).sum()+(hn*lw["h_n"]).sum()
    if cn is not None:
        lw["c_n"]=f32(torch.randn(cn.shape)); loss=loss+(cn*lw["c_n"]).sum()
    loss.backward()
    name=f"{cell}_H{H}_L{L}_{'bi' if bidir else 'uni'}_{'bias' if bias else 'nobias'}_B{B}"
    d={"name":name,"cell":cell,"input_size":I,"hidden_size":H,"num_layers":L,"bidirectional":bidir,"bias":bias,
       "batch":B,"seq_len":S,"params":{n:T(p) for n,p in m.named_parameters()},
       "input":T(x),"h0":T(h0),"loss_weights":{k:T(v) for k,v in lw.items()},
       "expected":{"output":T(out),"h_n":T(hn),"loss":float(loss)},
       "grads":{**{n:T(p.grad) for n,p in m.named_parameters()},"input":T(x.grad),"h0":T(h0.grad)}}
    if lengths: d["lengths"]=lengths
    if cell=="lstm":
        d["c0"]=T(c0); d["expected"]["c_n"]=T(cn); d["grads"]["c0"]=T(c0.grad)
    json.dump(d,open(f"{out_dir}/rnn_{name}.json","w"),separators=(",",":"))
    print("wrote",name)
