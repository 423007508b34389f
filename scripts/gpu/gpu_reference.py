"""Reference figures for the GPU benchmark on a machine WITHOUT node/Chromium (issue 14 item 3):
the same ~500M Llama shape as `npm run bench:gpu`, measured with

  * PyTorch (CUDA): prefill, decode at batch 1 and 8 with a KV cache, and one LoRA training
    step (r 16 on the 7 projections, AdamW), in fp32 and bf16;
  * onnxruntime (python) on OUR exported graph (model.onnx from scripts/gpu/graph-structure.ts,
    random initializers added here): CUDA EP when the build has it, else the CPU EP;

each against the bound that the GPU's memory bandwidth (decode: bytes read per step) and FLOP
rate (prefill, training: 2 and ~4 FLOPs per parameter per token) allow. These are NOT WebGPU
figures: they say what the hardware allows and what a native stack reaches on it.

usage: python3 gpu_reference.py <graph-dir> '{"bandwidth_gbs":4800,"tflops_fp32":67,...}'
Prints one JSON object per line; the last line is the summary.
"""

import json
import math
import os
import sys
import time

import numpy as np

graph_dir = sys.argv[1]
opts = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
meta = json.load(open(os.path.join(graph_dir, "weights.json")))
cfg = meta["config"]
H, L = cfg["hidden_size"], cfg["num_hidden_layers"]
NH, KV, D = cfg["num_attention_heads"], cfg["num_key_value_heads"], meta["headDim"]
V, I = cfg["vocab_size"], cfg["intermediate_size"]
P = meta["params"]
PREFILL = opts.get("prefill", 512)
DECODE = opts.get("decode", 64)
TRAIN_B, TRAIN_T = opts.get("train_batch", 4), opts.get("train_seq", 512)
BW = opts.get("bandwidth_gbs", 4800) * 1e9
FLOPS = {"fp32": opts.get("tflops_fp32", 67) * 1e12, "bf16": opts.get("tflops_bf16", 989) * 1e12}
results = []


def emit(name, value, unit, bound=None, detail=""):
    r = {"name": name, "value": round(value, 3), "unit": unit}
    if bound:
        r["bound"] = round(bound, 3)
        r["of_bound"] = round(value / bound, 4)
    if detail:
        r["detail"] = detail
    results.append(r)
    print(json.dumps(r), flush=True)


def kv_bytes(batch, length, elem):
    return 2 * L * batch * KV * length * D * elem


def decode_bound(batch, past, elem):
    # every step reads all weights once (shared by the batch) and each row's KV cache
    return batch * BW / (P * elem + kv_bytes(batch, past, elem))


def prefill_flops(tokens):
    # 2 FLOPs per parameter per token (LM head on the last token only is ignored: upper bound)
    # + attention scores and context: 2 * 2 * T^2/2 * H per layer (causal half)
    return 2 * P * tokens + 2 * L * tokens * tokens * NH * D


def torch_part():
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    dev = "cuda" if torch.cuda.is_available() else "cpu"
    emit("torch device", 1, "", detail=torch.cuda.get_device_name(0) if dev == "cuda" else "cpu")
    hf = LlamaConfig(**{k: v for k, v in cfg.items() if k not in ("architectures",)})

    def sync():
        if dev == "cuda":
            torch.cuda.synchronize()

    def timed(fn, reps):
        fn()
        sync()
        t = time.perf_counter()
        for _ in range(reps):
            fn()
        sync()
        return (time.perf_counter() - t) / reps

    for dtype_name, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
        torch.manual_seed(0)
        model = LlamaForCausalLM(hf).to(dev, dtype).eval()
        elem = 4 if dtype == torch.float32 else 2
        ids = torch.randint(3, V, (1, PREFILL), device=dev)
        with torch.inference_mode():
            s = timed(lambda: model(ids, logits_to_keep=1), 5)
            emit(f"torch {dtype_name} prefill {PREFILL}", PREFILL / s, "tokens/s",
                 FLOPS[dtype_name] / prefill_flops(PREFILL) * PREFILL)
            for batch in (1, 8):
                prompt = torch.randint(3, V, (batch, 32), device=dev)
                out = model(prompt, use_cache=True, logits_to_keep=1)
                past = out.past_key_values
                nxt = out.logits[:, -1:].argmax(-1)
                sync()
                t = time.perf_counter()
                for _ in range(DECODE):
                    out = model(nxt, past_key_values=past, use_cache=True)
                    past = out.past_key_values
                    nxt = out.logits[:, -1:].argmax(-1)
                sync()
                dt = time.perf_counter() - t
                emit(f"torch {dtype_name} decode batch {batch}", batch * DECODE / dt, "tokens/s",
                     decode_bound(batch, 32 + DECODE // 2, elem),
                     "eager PyTorch, one step per launch sequence (no CUDA graphs)")
        # LoRA step
        try:
            from peft import LoraConfig, get_peft_model
            model.train()
            lora = get_peft_model(model, LoraConfig(r=16, lora_alpha=32, lora_dropout=0.0,
                target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]))
            opt = torch.optim.AdamW([p for p in lora.parameters() if p.requires_grad], lr=1e-4)
            x = torch.randint(3, V, (TRAIN_B, TRAIN_T), device=dev)

            def step():
                loss = lora(x, labels=x).loss
                loss.backward()
                torch.nn.utils.clip_grad_norm_([p for p in lora.parameters() if p.requires_grad], 1.0)
                opt.step()
                opt.zero_grad(set_to_none=True)

            s = timed(step, 3)
            tokens = TRAIN_B * TRAIN_T
            # frozen base: forward 2 FLOPs/param/token + input-gradient backward 2 = ~4
            flops = 2 * prefill_flops(tokens // TRAIN_B) * TRAIN_B
            emit(f"torch {dtype_name} LoRA step r16x7, {TRAIN_B}x{TRAIN_T}", tokens / s, "tokens/s",
                 FLOPS[dtype_name] / flops * tokens, f"{s * 1000:.1f} ms per step")
        except Exception as err:  # report, keep going
            emit(f"torch {dtype_name} LoRA step", 0, "error", detail=repr(err)[:300])
        del model
        if dev == "cuda":
            torch.cuda.empty_cache()


def ort_part():
    import onnx
    import onnxruntime as ort
    from onnx import numpy_helper

    providers = ort.get_available_providers()
    emit("onnxruntime providers", len(providers), "", detail=f"{ort.__version__}: {providers}")
    model = onnx.load(os.path.join(graph_dir, "model.onnx"))
    rng = np.random.default_rng(0)
    inv = 1.0 / (cfg.get("rope_theta", 10000.0) ** (np.arange(0, D, 2, dtype=np.float64) / D))
    ang = np.arange(cfg["max_position_embeddings"], dtype=np.float64)[:, None] * inv[None, :]
    for w in meta["weights"]:
        if w["name"] == "rope.cos":
            arr = np.cos(ang).astype(np.float32)
        elif w["name"] == "rope.sin":
            arr = np.sin(ang).astype(np.float32)
        elif w["name"].endswith("norm.weight"):
            arr = np.ones(w["dims"], np.float32)
        else:
            arr = (rng.standard_normal(w["dims"], dtype=np.float32) * 0.02)
        model.graph.initializer.append(numpy_helper.from_array(arr, w["name"]))
    path = "/tmp/h6-model/model.onnx"
    os.makedirs(os.path.dirname(path), exist_ok=True)
    onnx.save_model(model, path, save_as_external_data=True, all_tensors_to_one_file=True,
                    location="model.onnx_data")
    del model
    use = [p for p in ("CUDAExecutionProvider",) if p in providers] + ["CPUExecutionProvider"]
    sess = ort.InferenceSession(path, providers=use)
    ep = sess.get_providers()[0]
    feeds_past = lambda b, n: {f"past_key_values.{i}.{kv}": np.zeros((b, KV, n, D), np.float32)
                               for i in range(L) for kv in ("key", "value")}

    def run(ids, past, past_len):
        b, t = ids.shape
        f = {"input_ids": ids.astype(np.int64),
             "attention_mask": np.ones((b, past_len + t), np.int64),
             "position_ids": np.tile(np.arange(past_len, past_len + t, dtype=np.int64), (b, 1)),
             "num_logits_to_keep": np.array(1, np.int64), **past}
        out = sess.run(None, f)
        names = [o.name for o in sess.get_outputs()]
        present = {n.replace("present.", "past_key_values."): v for n, v in zip(names, out) if n.startswith("present.")}
        return out[names.index("logits")], present

    n = opts.get("ort_prefill", 128)
    ids = rng.integers(3, V, (1, n))
    run(ids, feeds_past(1, 0), 0)
    t = time.perf_counter()
    run(ids, feeds_past(1, 0), 0)
    emit(f"ORT {ep} fp32 prefill {n} (our graph)", n / (time.perf_counter() - t), "tokens/s",
         FLOPS["fp32"] / prefill_flops(n) * n if ep.startswith("CUDA") else None)
    steps = opts.get("ort_decode", 16)
    for batch in (1, 8):
        logits, past = run(rng.integers(3, V, (batch, 8)), feeds_past(batch, 0), 0)
        t = time.perf_counter()
        for s in range(steps):
            logits, past = run(logits.argmax(-1).reshape(batch, 1), past, 8 + s)
        emit(f"ORT {ep} fp32 decode batch {batch} (our graph)", batch * steps / (time.perf_counter() - t),
             "tokens/s", decode_bound(batch, 8 + steps // 2, 4) if ep.startswith("CUDA") else None)


emit("model parameters", P / 1e6, "M", detail=f"hidden {H}, layers {L}, heads {NH}/{KV}, inter {I}, vocab {V}")
for part in (torch_part, ort_part):
    if part.__name__ in opts.get("skip", []):
        continue
    try:
        part()
    except Exception as err:
        emit(part.__name__, 0, "error", detail=repr(err)[:400])
print(json.dumps({"summary": results}))
