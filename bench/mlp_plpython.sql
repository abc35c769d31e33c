-- bench/mlp_plpython.sql: the PL/Python + PyTorch peer of maas's mlp
-- prediction (bench/mlp.py), inside the same server.  What a user would
-- write without maas:
--
--   mlp_py_models (name, model)  the network as a numpy .npz: W1, b1, W2,
--       b2, ... (inputs x outputs, as maas stores them), x_mean, x_scale,
--       y_mean, y_scale.  bench/mlp.py writes maas's own weights here, so
--       every peer predicts with the same model.
--   py_mlp_predict(name, float8[])  one prediction per call: the rebuilt
--       torch.nn.Sequential is cached in SD, so each call is a tensor from
--       the array, standardize, forward under torch.no_grad(), unscale.
--   py_blas_core()  the OpenBLAS kernel this backend runs (the
--       same library maas loads), to see what OPENBLAS_CORETYPE did.
--
-- PyTorch is limited to one thread (torch.set_num_threads(1),
-- OPENBLAS_NUM_THREADS=1), like a maas backend's predictions.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS plpython3u;

DROP TABLE IF EXISTS mlp_py_models;
CREATE TABLE mlp_py_models (
	name	text PRIMARY KEY,
	model	bytea NOT NULL
);

CREATE OR REPLACE FUNCTION py_mlp_predict(name text, x float8[])
RETURNS float8
LANGUAGE plpython3u STRICT
AS $$
m = SD.get('model')
if m is None:
    import io, os
    os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')
    import numpy as np
    import torch
    torch.set_num_threads(1)
    plan = plpy.prepare("SELECT model FROM mlp_py_models WHERE name = $1", ["text"])
    rows = plpy.execute(plan, [name])
    if not rows:
        plpy.error("no model %s in mlp_py_models" % name)
    z = np.load(io.BytesIO(rows[0]["model"]))
    layers = []
    l = 1
    while "W%d" % l in z:
        w = torch.from_numpy(z["W%d" % l].astype(np.float32))
        lin = torch.nn.Linear(w.shape[0], w.shape[1])
        with torch.no_grad():
            lin.weight.copy_(w.T)
            lin.bias.copy_(torch.from_numpy(z["b%d" % l].astype(np.float32)))
        layers.append(lin)
        l += 1
        if "W%d" % l in z:
            layers.append(torch.nn.ReLU())
    net = torch.nn.Sequential(*layers).eval()
    m = SD['model'] = (torch, net,
                       torch.from_numpy(z["x_mean"].astype(np.float32)),
                       torch.from_numpy(z["x_scale"].astype(np.float32)),
                       float(z["y_mean"]), float(z["y_scale"]))
torch, net, mean, scale, y_mean, y_scale = m
with torch.no_grad():
    out = net((torch.tensor(x, dtype=torch.float32) - mean) / scale)
return float(out[0]) * y_scale + y_mean
$$;

CREATE OR REPLACE FUNCTION py_blas_core()
RETURNS text
LANGUAGE plpython3u
AS $$
import ctypes, os
lib = ctypes.CDLL("libopenblas.so.0")
lib.openblas_get_corename.restype = ctypes.c_char_p
return "%s (OPENBLAS_CORETYPE=%s)" % (lib.openblas_get_corename().decode(),
                                      os.environ.get("OPENBLAS_CORETYPE", "unset"))
$$;
