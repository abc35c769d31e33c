#!/usr/bin/python3
"""PyTorch's numbers for the convolution layer of src/algorithms/nn/conv.c
(Conv1d, ReLU, global max pooling over time; with an embedding in front),
read by test/unit/nn_conv_test.c (test/suite/nn.sh).

Run by hand from the repository root with Debian's Python (python3-torch),
after changing this script; the test itself needs no torch:

    /usr/bin/python3 test/reference/nn_conv_reference.py

It writes test/reference/nn_conv_reference.txt.  As nn_reference.py does:
fixed seeds, values rounded to float32 and written with 9 significant
digits, PyTorch computing in float64 on them.

  net NAME in=I width=W filters=F T=T B=B vocab=V
  params P ...   maas's layout: the kernel W x I x F (torch's
                 Conv1d.weight[f][c][j] at [j][c][f]), then the F biases
  table V*I ...  with vocab > 0: an embedding table; the layer's input is
                 then its rows for ids
  ids B*T ...    token ids, batch-major
  x B*T*I ...    the layer's input, batch-major (the embedded ids with vocab)
  pooled B*F ... max over time of relu(conv(x) + bias)
  dpooled B*F    a random upstream gradient; the loss is sum(pooled * dpooled)
  grad P ...     d loss / d params, maas's layout
  dinput B*T*I   d loss / d x
  dtable V*I     d loss / d table (with vocab)
  end
"""
import os

import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from nn_recurrent_reference import f32, fmt  # noqa: E402
OUT = os.path.join(HERE, "nn_conv_reference.txt")

CASES = [
    # name, in, width, filters, T, B, vocab, seed
    ("conv_w3", 4, 3, 5, 7, 3, 0, 1),
    ("conv_w1", 3, 1, 4, 5, 2, 0, 2),
    ("conv_full_width", 3, 6, 4, 6, 2, 0, 3),
    ("conv_w2_one_doc", 5, 2, 6, 9, 1, 0, 4),
    ("conv_embedded_w4", 6, 4, 7, 8, 4, 13, 5),
    ("conv_embedded_w5", 4, 5, 3, 10, 3, 9, 6),
]


def case(name, n_in, width, filters, T, B, vocab, seed):
    rng = np.random.RandomState(seed)
    scale = 1.0 / np.sqrt(n_in * width)
    kernel = f32(rng.uniform(-scale, scale, (width, n_in, filters)))
    # biases near 0 so that some features are cut by the ReLU
    bias = f32(rng.uniform(-0.3, 0.3, filters))
    table = f32(rng.normal(0, 1, (vocab, n_in))) if vocab else None
    ids = rng.randint(0, vocab, (B, T)) if vocab else np.zeros((B, T), dtype=int)
    x = table[ids] if vocab else f32(rng.normal(0, 1, (B, T, n_in)))
    dpooled = f32(rng.normal(0, 1, (B, filters)))

    conv = torch.nn.Conv1d(n_in, filters, width).double()
    with torch.no_grad():
        conv.weight.copy_(torch.tensor(kernel.transpose(2, 1, 0)))
        conv.bias.copy_(torch.tensor(bias))
    tt = torch.tensor(table, requires_grad=True) if vocab else None
    xt = tt[torch.tensor(ids)] if vocab else torch.tensor(x, requires_grad=True)
    if vocab:
        xt.retain_grad()
    y = torch.relu(conv(xt.permute(0, 2, 1)))      # B x F x (T - W + 1)
    pooled = y.max(dim=2).values
    loss = (pooled * torch.tensor(dpooled)).sum()
    loss.backward()
    gk = conv.weight.grad.numpy().transpose(2, 1, 0)
    flat = np.concatenate([kernel.ravel(), bias])
    gflat = np.concatenate([gk.ravel(), conv.bias.grad.numpy()])
    arrays = [("params", flat)]
    if vocab:
        arrays += [("table", table), ("ids", ids)]
    arrays += [("x", x), ("pooled", pooled.detach().numpy()), ("dpooled", dpooled),
               ("grad", gflat), ("dinput", xt.grad.numpy())]
    if vocab:
        arrays.append(("dtable", tt.grad.numpy()))
    lines = ["net %s in=%d width=%d filters=%d T=%d B=%d vocab=%d"
             % (name, n_in, width, filters, T, B, vocab)]
    for key, values in arrays:
        text = " ".join(str(i) for i in values.ravel()) if key == "ids" else fmt(values)
        lines.append("%s %d %s" % (key, values.size, text))
    lines.append("end")
    return lines


def main():
    out = ["# written by test/reference/nn_conv_reference.py (torch %s, numpy %s); do not edit"
           % (torch.__version__, np.__version__)]
    for c in CASES:
        out += case(*c)
    with open(OUT, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
