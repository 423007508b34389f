#!/usr/bin/env python3
"""Independent NumPy (float64) reference for LlamaForCausalLM / Qwen2ForCausalLM forward.

Reads a Hugging Face checkpoint folder (config.json + model.safetensors or a sharded
model.safetensors.index.json) with its own safetensors parser, and follows transformers'
modeling_llama / modeling_qwen2 semantics: RMSNorm with eps inside the sqrt, rotate_half RoPE
(incl. llama3 inv_freq scaling), repeat_kv for GQA, causal + padding mask, SwiGLU MLP,
q/k/v bias (Qwen2), tied embeddings, and unmerged LoRA  y += s * (x @ A) @ B.

Usage: llama_ref.py MODEL_DIR REQUEST.json OUT_PREFIX
  REQUEST: {"input_ids": [[..]], "attention_mask": [[..]], "position_ids": [[..]],
            "lora": {"path": "adapter.safetensors", "scale": 2.0} | null}
  writes OUT_PREFIX.bin (float64 LE logits [B, T, V]) and OUT_PREFIX.json
  ({"shape": [B, T, V], "inv_freq": [...]}).
"""
import json
import math
import os
import struct
import sys

import numpy as np


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n].decode("utf-8"))
    base = 8 + n
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        raw = data[base + begin : base + end]
        dtype = entry["dtype"]
        if dtype == "F32":
            arr = np.frombuffer(raw, dtype="<f4")
        elif dtype == "F16":
            arr = np.frombuffer(raw, dtype="<f2")
        elif dtype == "BF16":
            arr = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            raise ValueError(f"unsupported dtype {dtype} for {name}")
        out[name] = arr.astype(np.float64).reshape(entry["shape"])
    return out


def read_checkpoint(model_dir):
    index_path = os.path.join(model_dir, "model.safetensors.index.json")
    if os.path.exists(index_path):
        with open(index_path) as f:
            weight_map = json.load(f)["weight_map"]
        weights = {}
        for shard in sorted(set(weight_map.values())):
            weights.update(read_safetensors(os.path.join(model_dir, shard)))
        return weights
    return read_safetensors(os.path.join(model_dir, "model.safetensors"))


def rope_inv_freq(cfg, head_dim):
    base = cfg.get("rope_theta", 10000.0)
    inv_freq = 1.0 / (base ** (np.arange(0, head_dim, 2, dtype=np.float64) / head_dim))
    rs = cfg.get("rope_scaling") or {}
    kind = rs.get("rope_type", rs.get("type"))
    if kind == "linear":
        inv_freq = inv_freq / rs["factor"]
    elif kind == "llama3":
        factor = rs["factor"]
        low_freq_factor = rs["low_freq_factor"]
        high_freq_factor = rs["high_freq_factor"]
        old_context_len = rs["original_max_position_embeddings"]
        low_freq_wavelen = old_context_len / low_freq_factor
        high_freq_wavelen = old_context_len / high_freq_factor
        wavelen = 2 * math.pi / inv_freq
        inv_freq_llama = np.where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq)
        smooth_factor = (old_context_len / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
        smoothed = (1 - smooth_factor) * inv_freq_llama / factor + smooth_factor * inv_freq_llama
        is_medium = ~(wavelen < high_freq_wavelen) & ~(wavelen > low_freq_wavelen)
        inv_freq = np.where(is_medium, smoothed, inv_freq_llama)
    elif kind not in (None, "default"):
        raise ValueError(f"rope type {kind} not implemented in the reference")
    return inv_freq


def rms_norm(x, weight, eps):
    variance = np.mean(x * x, axis=-1, keepdims=True)
    return weight * (x / np.sqrt(variance + eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return np.concatenate([-x[..., half:], x[..., :half]], axis=-1)


def repeat_kv(x, n_rep):
    return np.repeat(x, n_rep, axis=1)  # [B, kvH, S, D] -> [B, kvH*n_rep, S, D], kv-major


def softmax(x):
    x = x - np.max(x, axis=-1, keepdims=True)
    e = np.exp(x)
    return e / np.sum(e, axis=-1, keepdims=True)


def forward(cfg, w, input_ids, attention_mask, position_ids, lora=None):
    if cfg["architectures"][0] not in ("LlamaForCausalLM", "Qwen2ForCausalLM"):
        raise ValueError("unsupported architecture")
    hidden = cfg["hidden_size"]
    n_heads = cfg["num_attention_heads"]
    n_kv = cfg.get("num_key_value_heads", n_heads)
    head_dim = cfg.get("head_dim") or hidden // n_heads
    eps = cfg["rms_norm_eps"]
    B, T = input_ids.shape

    def proj(x, prefix, layer, module):
        y = x @ w[prefix + ".weight"].T
        if prefix + ".bias" in w:
            y = y + w[prefix + ".bias"]
        if lora is not None:
            a = lora["tensors"].get(f"lora.{layer}.{module}.A")
            if a is not None:
                y = y + lora["scale"] * ((x @ a) @ lora["tensors"][f"lora.{layer}.{module}.B"])
        return y

    h = w["model.embed_tokens.weight"][input_ids]  # [B, T, H]
    inv_freq = rope_inv_freq(cfg, head_dim)
    freqs = position_ids.astype(np.float64)[..., None] * inv_freq[None, None, :]
    emb = np.concatenate([freqs, freqs], axis=-1)
    cos, sin = np.cos(emb)[:, None], np.sin(emb)[:, None]  # [B, 1, T, D]
    causal = np.tril(np.ones((T, T), dtype=bool))
    allowed = causal[None, :, :] & (attention_mask[:, None, :] != 0)  # [B, T, T]
    neg = np.finfo(np.float64).min

    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}"
        x = rms_norm(h, w[f"{p}.input_layernorm.weight"], eps)
        q = proj(x, f"{p}.self_attn.q_proj", i, "q_proj").reshape(B, T, n_heads, head_dim).transpose(0, 2, 1, 3)
        k = proj(x, f"{p}.self_attn.k_proj", i, "k_proj").reshape(B, T, n_kv, head_dim).transpose(0, 2, 1, 3)
        v = proj(x, f"{p}.self_attn.v_proj", i, "v_proj").reshape(B, T, n_kv, head_dim).transpose(0, 2, 1, 3)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = repeat_kv(k, n_heads // n_kv)
        v = repeat_kv(v, n_heads // n_kv)
        scores = (q @ k.transpose(0, 1, 3, 2)) / math.sqrt(head_dim)
        scores = np.where(allowed[:, None], scores, neg)
        ctx = softmax(scores) @ v  # [B, nH, T, D]
        ctx = ctx.transpose(0, 2, 1, 3).reshape(B, T, n_heads * head_dim)
        h = h + proj(ctx, f"{p}.self_attn.o_proj", i, "o_proj")
        x = rms_norm(h, w[f"{p}.post_attention_layernorm.weight"], eps)
        gate = proj(x, f"{p}.mlp.gate_proj", i, "gate_proj")
        up = proj(x, f"{p}.mlp.up_proj", i, "up_proj")
        act = gate / (1.0 + np.exp(-gate)) * up
        h = h + proj(act, f"{p}.mlp.down_proj", i, "down_proj")

    h = rms_norm(h, w["model.norm.weight"], eps)
    lm_head = w.get("lm_head.weight")
    if lm_head is None or cfg.get("tie_word_embeddings", False):
        lm_head = w["model.embed_tokens.weight"]
    return h @ lm_head.T, inv_freq


def main():
    model_dir, request_path, out_prefix = sys.argv[1:4]
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    with open(request_path) as f:
        req = json.load(f)
    weights = read_checkpoint(model_dir)
    lora = None
    if req.get("lora"):
        lora = {"scale": float(req["lora"]["scale"]), "tensors": read_safetensors(req["lora"]["path"])}
    logits, inv_freq = forward(
        cfg,
        weights,
        np.asarray(req["input_ids"], dtype=np.int64),
        np.asarray(req["attention_mask"], dtype=np.int64),
        np.asarray(req["position_ids"], dtype=np.int64),
        lora,
    )
    logits.astype("<f8").tofile(out_prefix + ".bin")
    with open(out_prefix + ".json", "w") as f:
        json.dump({"shape": list(logits.shape), "inv_freq": inv_freq.tolist()}, f)


if __name__ == "__main__":
    main()
