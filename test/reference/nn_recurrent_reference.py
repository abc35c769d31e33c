#!/usr/bin/python3
"""PyTorch's numbers for the recurrent layers of src/algorithms/nn/recurrent.c
(embedding, LSTM, GRU), read by test/unit/nn_recurrent_test.c
(test/suite/nn.sh).

Run by hand from the repository root with Debian's Python (python3-torch),
after changing this script; the test itself needs no torch:

    /usr/bin/python3 test/reference/nn_recurrent_reference.py

It writes test/reference/nn_recurrent_reference.txt.  As nn_reference.py
does: fixed seeds, values rounded to float32 and written with 9 significant
digits, PyTorch computing in float64 on them.

  net NAME kind=lstm|gru in=I units=H T=T B=B vocab=V dirs=1|2
  params P ...   maas's layout: W (I x gates, torch's weight_ih transposed),
                 U (H x gates, weight_hh transposed), the input bias, and for
                 the GRU the recurrent bias (the LSTM's one bias is torch's
                 two summed: bias_hh is 0 here); with dirs=2
                 (bidirectional=True) the reversed direction's the same way
                 after the forward direction's
  table V*I ...  with vocab > 0: an embedding table; the layer's input is
                 then its rows for ids
  ids T*B ...    token ids, time-major
  x T*B*I ...    the layer's input, time-major (the embedded ids with vocab)
  h T*B*D*H ...  every step's output (torch's: with dirs=2, each step's
                 [forward, reversed direction's output at that step])
  dh T*B*D*H ... a random upstream gradient; the loss is sum(h * dh)
  grad P ...     d loss / d params, maas's layout
  dinput T*B*I   d loss / d x
  dtable V*I     d loss / d table (with vocab)
  end
"""
import os

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "nn_recurrent_reference.txt")

CASES = [
    # name, kind, in, units, T, B, vocab, seed
    ("lstm_small", "lstm", 3, 4, 5, 2, 0, 1),
    ("lstm_one_step", "lstm", 4, 3, 1, 3, 0, 2),
    ("lstm_embedded", "lstm", 6, 5, 7, 4, 11, 3),
    ("gru_small", "gru", 3, 4, 5, 2, 0, 4),
    ("gru_one_step", "gru", 4, 3, 1, 3, 0, 5),
    ("gru_embedded", "gru", 6, 5, 7, 4, 11, 6),
]
# bidirectional=True: name, kind, in, units, T, B, vocab, seed
BIDIRECTIONAL = [
    ("lstm_bidirectional", "lstm", 3, 4, 5, 2, 0, 7),
    ("gru_bidirectional_embedded", "gru", 6, 5, 7, 3, 11, 8),
]


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def fmt(values):
    return " ".join("%.9g" % v for v in np.asarray(values, dtype=np.float32).ravel())


def case(name, kind, n_in, units, T, B, vocab, seed, dirs=1):
    rng = np.random.RandomState(seed)
    g = 4 if kind == "lstm" else 3
    scale = 1.0 / np.sqrt(units)
    layer = (torch.nn.LSTM if kind == "lstm" else torch.nn.GRU)(
        n_in, units, bidirectional=dirs == 2).double()
    params = []
    for sfx in ["_l0", "_l0_reverse"][:dirs]:
        w = f32(rng.uniform(-scale, scale, (n_in, g * units)))
        u = f32(rng.uniform(-scale, scale, (units, g * units)))
        bi = f32(rng.uniform(-scale, scale, g * units))
        bh = f32(rng.uniform(-scale, scale, g * units)) if kind == "gru" else np.zeros(g * units)
        with torch.no_grad():
            getattr(layer, "weight_ih" + sfx).copy_(torch.tensor(w.T))
            getattr(layer, "weight_hh" + sfx).copy_(torch.tensor(u.T))
            getattr(layer, "bias_ih" + sfx).copy_(torch.tensor(bi))
            getattr(layer, "bias_hh" + sfx).copy_(torch.tensor(bh))
        params += [w, u, bi] + ([bh] if kind == "gru" else [])
    table = f32(rng.normal(0, 1, (vocab, n_in))) if vocab else None
    ids = rng.randint(0, vocab, (T, B)) if vocab else np.zeros((T, B), dtype=int)
    x = table[ids] if vocab else f32(rng.normal(0, 1, (T, B, n_in)))
    dh = f32(rng.normal(0, 1, (T, B, dirs * units)))

    tt = torch.tensor(table, requires_grad=True) if vocab else None
    xt = tt[torch.tensor(ids)] if vocab else torch.tensor(x, requires_grad=True)
    if vocab:
        xt.retain_grad()
    h, _ = layer(xt)
    loss = (h * torch.tensor(dh)).sum()
    loss.backward()
    grad = []
    for sfx in ["_l0", "_l0_reverse"][:dirs]:
        grad += [getattr(layer, "weight_ih" + sfx).grad.numpy().T,
                 getattr(layer, "weight_hh" + sfx).grad.numpy().T]
        # the LSTM's one bias is torch's two, whose gradients are the same
        grad.append(getattr(layer, "bias_ih" + sfx).grad.numpy())
        if kind == "gru":
            grad.append(getattr(layer, "bias_hh" + sfx).grad.numpy())
    flat = np.concatenate([p.ravel() for p in params])
    gflat = np.concatenate([p.ravel() for p in grad])
    lines = ["net %s kind=%s in=%d units=%d T=%d B=%d vocab=%d dirs=%d"
             % (name, kind, n_in, units, T, B, vocab, dirs),
             "params %d %s" % (flat.size, fmt(flat))]
    if vocab:
        lines.append("table %d %s" % (table.size, fmt(table)))
        lines.append("ids %d %s" % (ids.size, " ".join(str(i) for i in ids.ravel())))
    lines += ["x %d %s" % (x.size, fmt(x)),
              "h %d %s" % (h.numel(), fmt(h.detach().numpy())),
              "dh %d %s" % (dh.size, fmt(dh)),
              "grad %d %s" % (gflat.size, fmt(gflat)),
              "dinput %d %s" % (x.size, fmt(xt.grad.numpy()))]
    if vocab:
        lines.append("dtable %d %s" % (table.size, fmt(tt.grad.numpy())))
    lines.append("end")
    return lines


def main():
    out = ["# written by test/reference/nn_recurrent_reference.py (torch %s, numpy %s); do not edit"
           % (torch.__version__, np.__version__)]
    for c in CASES:
        out += case(*c)
    for c in BIDIRECTIONAL:
        out += case(*c, dirs=2)
    with open(OUT, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
