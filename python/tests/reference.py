"""An independent double-precision NumPy forward pass of the Edifice RingAttention
model (docs/model-contract.md, section 2), read straight from the safetensors and
JSON config that ringrt-synth writes: what the Python tests compare ringrt with."""
import json
import math
import struct

import numpy as np

_DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        a = np.frombuffer(data[base + begin:base + end], dtype=_DTYPES[entry["dtype"]]).reshape(entry["shape"])
        tensors[name] = a.astype(np.float64)
    return tensors


def read_config(path):
    with open(path) as f:
        c = json.load(f)
    c.setdefault("hidden_size", 256)
    c.setdefault("num_heads", 4)
    c.setdefault("num_layers", 4)
    return c


def _layer_norm(x, gamma, beta):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + 1e-5) * gamma + beta


_erf = np.vectorize(math.erf)


def _gelu(x):
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def forward(config, w, x):
    """Every timestep's output [T, H] of a causal Edifice model for input x [T, E], in double."""
    x = np.asarray(x, np.float64)
    T = x.shape[0]
    H, N = config["hidden_size"], config["num_heads"]
    D = H // N
    h = x @ w["input_projection.kernel"] + w["input_projection.bias"] if "input_projection.kernel" in w else x
    mask = np.tril(np.ones((T, T), bool))
    for l in range(1, config["num_layers"] + 1):
        p = f"ring_{l}_"
        a = _layer_norm(h, w[p + "attn_norm.gamma"], w[p + "attn_norm.beta"])
        qkv = a @ w[p + "qkv.kernel"] + w[p + "qkv.bias"]
        q, k, v = qkv[:, :H], qkv[:, H:2 * H], qkv[:, 2 * H:]
        o = np.empty((T, H))
        for j in range(N):
            cols = slice(j * D, (j + 1) * D)
            s = q[:, cols] @ k[:, cols].T / math.sqrt(D)
            s = np.where(mask, s, -np.inf)
            s = np.exp(s - s.max(axis=1, keepdims=True))
            o[:, cols] = (s / s.sum(axis=1, keepdims=True)) @ v[:, cols]
        h = h + o @ w[p + "out_proj.kernel"] + w[p + "out_proj.bias"]
        f = _layer_norm(h, w[p + "ffn_norm.gamma"], w[p + "ffn_norm.beta"])
        h = h + _gelu(f @ w[p + "ffn_up.kernel"] + w[p + "ffn_up.bias"]) @ w[p + "ffn_down.kernel"] + w[p + "ffn_down.bias"]
    return _layer_norm(h, w["final_norm.gamma"], w["final_norm.beta"])
