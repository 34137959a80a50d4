"""The ringrt model contract as a PyTorch module: train (or load) a model in PyTorch,
save it in ringrt's layout, convert it with ringrt-convert, run it with ringrt.

    from ringrt.torch_model import RingEncoder
    model = RingEncoder(embed_dim=288)                  # the Edifice defaults
    ...train...
    model.save_ringrt("out/")                           # out/config.json, out/params.safetensors
    # ringrt-convert --config out/config.json --weights out/params.safetensors --output model.rrt

The module computes what docs/model-contract.md specifies (pre-LN encoder, exact
erf GELU, LayerNorm eps 1e-5, [in, out] dense kernels), with the ring_encoder
attention options: causal or bidirectional, grouped K/V heads, a sliding window, a
logit soft-cap and attention sinks. Its parameter names are the tensor names of the
contract (state_dict() keys such as "ring_1_qkv.kernel"). Needs PyTorch (Debian 12:
python3-torch), imported only by this module.
"""
import json
import math
import os
import struct

import torch
from torch import nn

__all__ = ["RingEncoder", "save_safetensors"]


class _Dense(nn.Module):
    def __init__(self, fan_in, fan_out):
        super().__init__()
        bound = 1.0 / math.sqrt(fan_in)
        self.kernel = nn.Parameter(torch.empty(fan_in, fan_out).uniform_(-bound, bound))  # [in, out]: y = x W + b
        self.bias = nn.Parameter(torch.zeros(fan_out))

    def forward(self, x):
        return x @ self.kernel + self.bias


class _LayerNorm(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(width))
        self.beta = nn.Parameter(torch.zeros(width))

    def forward(self, x):
        mean = x.mean(dim=-1, keepdim=True)
        var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
        return (x - mean) / torch.sqrt(var + 1e-5) * self.gamma + self.beta


class RingEncoder(nn.Module):
    """Edifice RingAttention (all attention options at their defaults) or ring_encoder."""

    def __init__(self, embed_dim, hidden_size=256, num_heads=4, num_layers=4, num_kv_heads=None, causal=True,
                 sliding_window=0, logit_softcap=0.0, attention_sinks=False, num_chunks=4, window_size=60,
                 dropout=0.1):
        super().__init__()
        num_kv_heads = num_heads if num_kv_heads is None else num_kv_heads
        if hidden_size % num_heads or num_heads % num_kv_heads:
            raise ValueError("hidden_size must be a multiple of num_heads, and num_heads of num_kv_heads")
        self.config = {"embed_dim": embed_dim, "hidden_size": hidden_size, "num_heads": num_heads,
                       "num_layers": num_layers, "num_chunks": num_chunks, "window_size": window_size,
                       "dropout": dropout}
        attention = {"causal": causal, "num_kv_heads": num_kv_heads, "sliding_window": sliding_window,
                     "logit_softcap": float(logit_softcap), "attention_sinks": attention_sinks}
        defaults = {"causal": True, "num_kv_heads": num_heads, "sliding_window": 0, "logit_softcap": 0.0,
                    "attention_sinks": False}
        if attention != defaults:  # Edifice has no attention options: any other value is a ring_encoder
            self.config = {"architecture": "ring_encoder", **self.config, **attention}
        self.attention = attention
        H, D = hidden_size, hidden_size // num_heads
        if embed_dim != hidden_size:
            self.input_projection = _Dense(embed_dim, H)
        for l in range(1, num_layers + 1):
            setattr(self, f"ring_{l}_attn_norm", _LayerNorm(H))
            setattr(self, f"ring_{l}_qkv", _Dense(H, (num_heads + 2 * num_kv_heads) * D))
            if attention_sinks:
                self.register_parameter(f"ring_{l}_attn_sinks", nn.Parameter(torch.zeros(num_heads)))
            setattr(self, f"ring_{l}_out_proj", _Dense(H, H))
            setattr(self, f"ring_{l}_ffn_norm", _LayerNorm(H))
            setattr(self, f"ring_{l}_ffn_up", _Dense(H, 4 * H))
            setattr(self, f"ring_{l}_ffn_down", _Dense(4 * H, H))
        self.final_norm = _LayerNorm(H)

    def _mask(self, T, device):
        t = torch.arange(T, device=device)
        diff = t[:, None] - t[None, :]  # query - key
        W = self.attention["sliding_window"]
        visible = diff >= 0 if self.attention["causal"] else torch.ones(T, T, dtype=torch.bool, device=device)
        if W > 0:
            visible = visible & (diff.abs() < W)
        return visible

    def _attend(self, l, qkv):
        c = self.config
        N, G = c["num_heads"], self.attention["num_kv_heads"]
        D = c["hidden_size"] // N
        T = qkv.shape[0]
        q = qkv[:, :N * D].reshape(T, N, D).transpose(0, 1)                     # [N, T, D]
        k = qkv[:, N * D:(N + G) * D].reshape(T, G, D).transpose(0, 1)          # [G, T, D]
        v = qkv[:, (N + G) * D:].reshape(T, G, D).transpose(0, 1)
        k, v = k.repeat_interleave(N // G, dim=0), v.repeat_interleave(N // G, dim=0)  # head j uses kv head j / (N/G)
        s = q @ k.transpose(1, 2) / math.sqrt(D)                               # [N, T, T]
        cap = self.attention["logit_softcap"]
        if cap > 0:
            s = cap * torch.tanh(s / cap)
        s = s.masked_fill(~self._mask(T, qkv.device), float("-inf"))
        if self.attention["attention_sinks"]:
            sink = getattr(self, f"ring_{l}_attn_sinks").reshape(N, 1, 1).expand(N, T, 1)
            p = torch.softmax(torch.cat([s, sink], dim=2), dim=2)[:, :, :T]     # the sink: denominator only
        else:
            p = torch.softmax(s, dim=2)
        return (p @ v).transpose(0, 1).reshape(T, N * D)

    def forward(self, x):
        """Every timestep's output [T, hidden_size] of one sequence x [T, embed_dim]."""
        h = self.input_projection(x) if hasattr(self, "input_projection") else x
        for l in range(1, self.config["num_layers"] + 1):
            a = getattr(self, f"ring_{l}_attn_norm")(h)
            h = h + getattr(self, f"ring_{l}_out_proj")(self._attend(l, getattr(self, f"ring_{l}_qkv")(a)))
            f = getattr(self, f"ring_{l}_ffn_norm")(h)
            up = getattr(self, f"ring_{l}_ffn_up")(f)
            h = h + getattr(self, f"ring_{l}_ffn_down")(0.5 * up * (1.0 + torch.erf(up / math.sqrt(2.0))))
        return self.final_norm(h)

    def save_ringrt(self, directory):
        """Writes directory/config.json and directory/params.safetensors (float32) for ringrt-convert."""
        os.makedirs(directory, exist_ok=True)
        with open(os.path.join(directory, "config.json"), "w") as f:
            json.dump(self.config, f, indent=2)
        save_safetensors({k: v.detach() for k, v in self.state_dict().items()},
                         os.path.join(directory, "params.safetensors"))


def save_safetensors(tensors, path):
    """A safetensors file of float32 tensors, names sorted, data contiguous (the format's rules)."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        data = tensors[name].to(torch.float32).contiguous().cpu().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # the data section starts 8-byte aligned
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)
