#!/usr/bin/env python3
"""Further PyTorch reference cases for nn.RNN in the format of
testdata/golden/README.md (rnn_*.json): deeper stacks, bias=False,
bidirectional, unsorted variable lengths including length-1 rows, through
pack_padded_sequence(enforce_sorted=False). Computed in float64 from
float32-representable values. Usage: gen_golden.py OUTDIR (PyTorch 1.13).
write_case is shared with ../wide_golden/gen_golden.py."""
import torch, json, sys

def f32(x): return x.float().double()

def write_case(out_dir, cell, L, bidir, bias, lengths, I, H, B, S, name, scale=1, digits=None, compact=False):
    """Builds one nn.RNN case (lengths None: every row S steps, no packing),
    writes OUTDIR/rnn_NAME.json and prints its name. Parameters are PyTorch's
    init times scale; digits, if set, writes numbers with that many
    significant digits."""
    fmt = (lambda v: float("%.*g" % (digits, float(v)))) if digits else float
    def T(x): return {"shape": list(x.shape), "data": [fmt(v) for v in x.detach().reshape(-1)]}
    D=2 if bidir else 1
    if cell=="lstm": m=torch.nn.LSTM(I,H,L,bias=bias,bidirectional=bidir)
    elif cell=="gru": m=torch.nn.GRU(I,H,L,bias=bias,bidirectional=bidir)
    else: m=torch.nn.RNN(I,H,L,bias=bias,bidirectional=bidir,nonlinearity=cell[4:])
    m=m.double()
    with torch.no_grad():
        for p in m.parameters(): p.copy_(f32(p*scale))
    x=f32(torch.randn(S,B,I)).requires_grad_()
    h0=f32(torch.randn(L*D,B,H)*0.5).requires_grad_()
    c0=f32(torch.randn(L*D,B,H)*0.5).requires_grad_()
    inp=torch.nn.utils.rnn.pack_padded_sequence(x,torch.tensor(lengths),enforce_sorted=False) if lengths else x
    if cell=="lstm": po,(hn,cn)=m(inp,(h0,c0))
    else: po,hn=m(inp,h0); cn=None
    out=torch.nn.utils.rnn.pad_packed_sequence(po,total_length=S)[0] if lengths else po
    lw={"output":f32(torch.randn(out.shape)),"h_n":f32(torch.randn(hn.shape))}
    loss=(out*lw["output"]).sum()+(hn*lw["h_n"]).sum()
    if cn is not None:
        lw["c_n"]=f32(torch.randn(cn.shape)); loss=loss+(cn*lw["c_n"]).sum()
    loss.backward()
    d={"name":name,"cell":cell,"input_size":I,"hidden_size":H,"num_layers":L,"bidirectional":bidir,"bias":bias,
       "batch":B,"seq_len":S}
    if lengths and not compact: d["lengths"]=lengths
    d.update({"params":{n:T(p) for n,p in m.named_parameters()},
       "input":T(x),"h0":T(h0),"loss_weights":{k:T(v) for k,v in lw.items()},
       "expected":{"output":T(out),"h_n":T(hn),"loss":float(loss)},
       "grads":{**{n:T(p.grad) for n,p in m.named_parameters()},"input":T(x.grad),"h0":T(h0.grad)}})
    if lengths and compact: d["lengths"]=lengths
    if cell=="lstm":
        d["c0"]=T(c0); d["expected"]["c_n"]=T(cn); d["grads"]["c0"]=T(c0.grad)
    json.dump(d,open(f"{out_dir}/rnn_{name}.json","w"),separators=(",",":") if compact else None)
    print("wrote",name)

if __name__ == "__main__":
    out_dir = sys.argv[1]
    torch.manual_seed(0)
    cases=[("lstm",3,True,False,[4,6,2,5]),("gru",3,True,False,[1,6,3,6]),("rnn_tanh",2,True,False,[3,1,6,2]),
           ("rnn_relu",2,True,True,[6,2,4,5]),("lstm",1,True,True,[2,6,6,1]),("gru",2,False,False,[5,6,1,3])]
    for cell,L,bidir,bias,lengths in cases:
        write_case(out_dir,cell,L,bidir,bias,lengths,I=3,H=4,B=len(lengths),S=6,
                   name=f"{cell}_L{L}_{'bi' if bidir else 'uni'}_{'bias' if bias else 'nobias'}_varlen")
