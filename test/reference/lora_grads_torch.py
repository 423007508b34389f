#!/usr/bin/env python3
"""Independent PyTorch (float64, autograd) reference for LoRA training gradients.

Builds LlamaForCausalLM / Qwen2ForCausalLM directly in torch (no transformers), following HF
modeling_llama / modeling_qwen2: RMSNorm (eps inside the sqrt), rotate_half RoPE, repeat_kv
GQA, causal + padding mask, SwiGLU, q/k/v bias (Qwen2), tied embeddings; unmerged LoRA
y = x W^T + b + s * ((x * D) A) B with optional dropout masks D. The loss is the causal-LM
cross-entropy on shifted targets weighted by w[b, t] = loss_mask[b, t+1] * attention_mask[b, t+1]
(the contract of src/lib/train/train-graph.ts); gradients are of loss_sum = sum(w * nll).

Usage: lora_grads_torch.py MODEL_DIR REQUEST.json OUT.json
  REQUEST: {"input_ids": [[..]], "attention_mask": [[..]], "loss_mask": [[..]],
            "lora": {"path": "lora.safetensors", "scale": 2.0},
            "dropout": "masks.safetensors" | null}
  OUT: {"loss_sum": x, "token_count": n, "grads": {"grad.lora.0.q_proj.A": [flat], ...}}
"""
import json
import math
import os
import struct
import sys

import torch

torch.set_default_dtype(torch.float64)


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n].decode("utf-8"))
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        raw = bytearray(data[8 + n + begin : 8 + n + end])
        if entry["dtype"] == "F32":
            t = torch.frombuffer(raw, dtype=torch.float32)
        elif entry["dtype"] == "F16":
            t = torch.frombuffer(raw, dtype=torch.float16)
        elif entry["dtype"] == "BF16":
            t = torch.frombuffer(raw, dtype=torch.bfloat16)
        else:
            raise ValueError(f"unsupported dtype {entry['dtype']} for {name}")
        out[name] = t.to(torch.float64).reshape(entry["shape"])
    return out


def inv_freq(cfg, head_dim):
    base = cfg.get("rope_theta", 10000.0)
    freq = 1.0 / (base ** (torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim))
    rs = cfg.get("rope_scaling") or {}
    kind = rs.get("rope_type", rs.get("type"))
    if kind == "linear":
        return freq / rs["factor"]
    if kind not in (None, "default"):
        raise ValueError(f"rope type {kind} not implemented in this reference")
    return freq


def rms_norm(x, weight, eps):
    return weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], dim=-1)


def main():
    model_dir, request_path, out_path = sys.argv[1:4]
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    with open(request_path) as f:
        req = json.load(f)
    w = read_safetensors(os.path.join(model_dir, "model.safetensors"))
    lora = {k: v.clone().requires_grad_(True) for k, v in read_safetensors(req["lora"]["path"]).items()}
    scale = float(req["lora"]["scale"])
    drop = read_safetensors(req["dropout"]) if req.get("dropout") else {}

    ids = torch.tensor(req["input_ids"], dtype=torch.long)
    attn = torch.tensor(req["attention_mask"], dtype=torch.float64)
    loss_mask = torch.tensor(req["loss_mask"], dtype=torch.float64)
    B, T = ids.shape
    H = cfg["hidden_size"]
    nh = cfg["num_attention_heads"]
    nkv = cfg.get("num_key_value_heads", nh)
    hd = cfg.get("head_dim") or H // nh
    eps = cfg["rms_norm_eps"]

    def proj(x, prefix, layer, module):
        y = x @ w[prefix + ".weight"].T
        if prefix + ".bias" in w:
            y = y + w[prefix + ".bias"]
        a = lora.get(f"lora.{layer}.{module}.A")
        if a is not None:
            xd = x
            mask = drop.get(f"dropout.{layer}.{module}")
            if mask is not None:
                xd = x * mask.reshape(x.shape)
            y = y + scale * ((xd @ a) @ lora[f"lora.{layer}.{module}.B"])
        return y

    h = w["model.embed_tokens.weight"][ids]
    pos = torch.arange(T, dtype=torch.float64)
    freqs = pos[:, None] * inv_freq(cfg, hd)[None, :]
    emb = torch.cat([freqs, freqs], dim=-1)
    cos, sin = emb.cos()[None, None], emb.sin()[None, None]
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
    allowed = causal[None] & (attn[:, None, :] != 0)  # [B, T, T]
    neg = torch.finfo(torch.float64).min
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}"
        x = rms_norm(h, w[f"{p}.input_layernorm.weight"], eps)
        q = proj(x, f"{p}.self_attn.q_proj", i, "q_proj").view(B, T, nh, hd).transpose(1, 2)
        k = proj(x, f"{p}.self_attn.k_proj", i, "k_proj").view(B, T, nkv, hd).transpose(1, 2)
        v = proj(x, f"{p}.self_attn.v_proj", i, "v_proj").view(B, T, nkv, hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(nh // nkv, dim=1)
        v = v.repeat_interleave(nh // nkv, dim=1)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(hd)
        scores = scores.masked_fill(~allowed[:, None], neg)
        ctx = torch.softmax(scores, dim=-1) @ v
        ctx = ctx.transpose(1, 2).reshape(B, T, nh * hd)
        h = h + proj(ctx, f"{p}.self_attn.o_proj", i, "o_proj")
        x = rms_norm(h, w[f"{p}.post_attention_layernorm.weight"], eps)
        gate = proj(x, f"{p}.mlp.gate_proj", i, "gate_proj")
        up = proj(x, f"{p}.mlp.up_proj", i, "up_proj")
        h = h + proj(torch.nn.functional.silu(gate) * up, f"{p}.mlp.down_proj", i, "down_proj")
    h = rms_norm(h, w["model.norm.weight"], eps)
    head = w.get("lm_head.weight")
    if head is None or cfg.get("tie_word_embeddings", False):
        head = w["model.embed_tokens.weight"]
    logits = h @ head.T
    nll = torch.nn.functional.cross_entropy(
        logits[:, :-1].reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1), reduction="none"
    )
    weights = (loss_mask[:, 1:] * attn[:, 1:]).reshape(-1)
    loss_sum = (nll * weights).sum()
    loss_sum.backward()
    grads = {f"grad.{k}": v.grad.reshape(-1).tolist() for k, v in lora.items()}
    with open(out_path, "w") as f:
        json.dump({"loss_sum": loss_sum.item(), "token_count": weights.sum().item(), "grads": grads}, f)


if __name__ == "__main__":
    main()
