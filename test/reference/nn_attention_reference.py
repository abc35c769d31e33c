#!/usr/bin/python3
"""PyTorch's numbers for the Transformer encoder's layers of
src/algorithms/nn/attention.c (layer normalization, multi-head
self-attention with a key padding mask, the encoder block), read by
test/unit/nn_attention_test.c (test/suite/nn.sh).

Run by hand from the repository root with Debian's Python (python3-torch),
after changing this script; the test itself needs no torch:

    /usr/bin/python3 test/reference/nn_attention_reference.py

It writes test/reference/nn_attention_reference.txt.  As
nn_recurrent_reference.py does: fixed seeds, values rounded to float32 and
written with 9 significant digits, PyTorch computing in float64 on them.

  net NAME kind=layernorm|mha|encoder B=B T=T d=D heads=H ff=F activation=relu|gelu
  params P ...   maas's layout of an encoder block (attention.h): W_qkv
                 (d x 3d, nn.MultiheadAttention's in_proj_weight
                 transposed), b_qkv, W_o, b_o, norm1's weight and bias,
                 W_1 (d x ff), b_1, W_2 (ff x d), b_2, norm2's weight and
                 bias; layernorm: its weight and bias alone
  lens B ...     each document's tokens: its first lens[b] steps
                 (layernorm: all T)
  x B*T*D ...    the input, batch-major
  y B*T*D ...    the output (mha: before any dropout; every step, the
                 padded ones included)
  dy B*T*D ...   a random upstream gradient; the loss is sum(y * dy)
  grad P ...     d loss / d params, maas's layout
  dinput B*T*D   d loss / d x
  end

The encoder is nn.TransformerEncoderLayer(d, heads, ff, dropout=0,
activation, batch_first=True) in training mode (PyTorch's fast path is
for inference) with src_key_padding_mask.
"""
import os

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "nn_attention_reference.txt")

CASES = [
    # name, kind, B, T, d, heads, ff, activation, lens, seed
    ("layernorm", "layernorm", 3, 4, 6, 1, 1, "relu", [4, 4, 4], 1),
    ("mha_padded", "mha", 3, 5, 8, 2, 1, "relu", [5, 3, 1], 2),
    ("mha_one_head", "mha", 2, 4, 6, 1, 1, "relu", [4, 4], 3),
    ("encoder_relu", "encoder", 3, 5, 8, 2, 12, "relu", [5, 3, 1], 4),
    ("encoder_gelu", "encoder", 2, 4, 6, 3, 10, "gelu", [4, 2], 5),
    ("encoder_long", "encoder", 1, 9, 4, 2, 6, "relu", [9], 6),
]


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def fmt(values):
    return " ".join("%.9g" % v for v in np.asarray(values, dtype=np.float32).ravel())


def t(a):
    return torch.tensor(a)


def case(name, kind, B, T, d, heads, ff, activation, lens, seed):
    rng = np.random.RandomState(seed)
    u = lambda *shape: f32(rng.uniform(-0.6, 0.6, shape))
    x = f32(rng.normal(0, 1, (B, T, d)))
    dy = f32(rng.normal(0, 1, (B, T, d)))
    mask = torch.tensor([[j >= n for j in range(T)] for n in lens])
    xt = torch.tensor(x, requires_grad=True)
    if kind == "layernorm":
        g, b = f32(1 + rng.uniform(-0.5, 0.5, d)), u(d)
        ln = torch.nn.LayerNorm(d).double()
        with torch.no_grad():
            ln.weight.copy_(t(g))
            ln.bias.copy_(t(b))
        y = ln(xt)
        (y * t(dy)).sum().backward()
        params = [g, b]
        grads = [ln.weight.grad.numpy(), ln.bias.grad.numpy()]
    else:
        wqkv, bqkv, wo, bo = u(d, 3 * d), u(3 * d), u(d, d), u(d)
        g1, b1n = f32(1 + rng.uniform(-0.5, 0.5, d)), u(d)
        w1, b1, w2, b2 = u(d, ff), u(ff), u(ff, d), u(d)
        g2, b2n = f32(1 + rng.uniform(-0.5, 0.5, d)), u(d)
        layer = torch.nn.TransformerEncoderLayer(d, heads, ff, dropout=0.0, activation=activation,
                                                 batch_first=True).double()
        layer.train()
        a = layer.self_attn
        with torch.no_grad():
            a.in_proj_weight.copy_(t(wqkv.T))
            a.in_proj_bias.copy_(t(bqkv))
            a.out_proj.weight.copy_(t(wo.T))
            a.out_proj.bias.copy_(t(bo))
            layer.norm1.weight.copy_(t(g1))
            layer.norm1.bias.copy_(t(b1n))
            layer.linear1.weight.copy_(t(w1.T))
            layer.linear1.bias.copy_(t(b1))
            layer.linear2.weight.copy_(t(w2.T))
            layer.linear2.bias.copy_(t(b2))
            layer.norm2.weight.copy_(t(g2))
            layer.norm2.bias.copy_(t(b2n))
        if kind == "mha":
            y, _ = a(xt, xt, xt, key_padding_mask=mask, need_weights=False)
        else:
            y = layer(xt, src_key_padding_mask=mask)
        (y * t(dy)).sum().backward()
        params = [wqkv, bqkv, wo, bo, g1, b1n, w1, b1, w2, b2, g2, b2n]
        z = lambda p: p.grad.numpy() if p.grad is not None else np.zeros(p.shape)
        grads = [z(a.in_proj_weight).T, z(a.in_proj_bias), z(a.out_proj.weight).T,
                 z(a.out_proj.bias), z(layer.norm1.weight), z(layer.norm1.bias),
                 z(layer.linear1.weight).T, z(layer.linear1.bias), z(layer.linear2.weight).T,
                 z(layer.linear2.bias), z(layer.norm2.weight), z(layer.norm2.bias)]
    flat = np.concatenate([p.ravel() for p in params])
    gflat = np.concatenate([p.ravel() for p in grads])
    return ["net %s kind=%s B=%d T=%d d=%d heads=%d ff=%d activation=%s"
            % (name, kind, B, T, d, heads, ff, activation),
            "params %d %s" % (flat.size, fmt(flat)),
            "lens %d %s" % (B, " ".join(str(n) for n in lens)),
            "x %d %s" % (x.size, fmt(x)),
            "y %d %s" % (y.numel(), fmt(y.detach().numpy())),
            "dy %d %s" % (dy.size, fmt(dy)),
            "grad %d %s" % (gflat.size, fmt(gflat)),
            "dinput %d %s" % (x.size, fmt(xt.grad.numpy())),
            "end"]


def main():
    out = ["# written by test/reference/nn_attention_reference.py (torch %s, numpy %s); do not edit"
           % (torch.__version__, np.__version__)]
    for c in CASES:
        out += case(*c)
    with open(OUT, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
