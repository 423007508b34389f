#!/usr/bin/env python3
"""Independent NumPy (float64) reference for merging a PEFT LoRA adapter into one weight.

Follows peft's LoraLayer: scaling = lora_alpha / sqrt(r) with use_rslora, else lora_alpha / r,
and merge() adds scaling * lora_B.weight @ lora_A.weight to the base nn.Linear weight
[out, in]. Reads the files as PEFT writes them (adapter_config.json,
adapter_model.safetensors) with llama_ref.py's own safetensors parser.

Usage: peft_merge_ref.py MODEL_DIR ADAPTER_DIR WEIGHT_NAME OUT.bin
  WEIGHT_NAME e.g. model.layers.0.self_attn.q_proj.weight; writes float64 LE [out, in].
"""
import json
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from llama_ref import read_safetensors  # noqa: E402


def main():
    model_dir, adapter_dir, weight_name, out_path = sys.argv[1:5]
    with open(os.path.join(adapter_dir, "adapter_config.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    r = cfg["r"]
    alpha = cfg["lora_alpha"]
    scaling = alpha / math.sqrt(r) if cfg.get("use_rslora", False) else alpha / r
    base = read_safetensors(os.path.join(model_dir, "model.safetensors"))[weight_name]
    adapter = read_safetensors(os.path.join(adapter_dir, "adapter_model.safetensors"))
    prefix = "base_model.model." + weight_name[: -len(".weight")]
    a = adapter[prefix + ".lora_A.weight"]  # [r, in]
    b = adapter[prefix + ".lora_B.weight"]  # [out, r]
    merged = base + scaling * (b @ a)
    merged.astype("<f8").tofile(out_path)


if __name__ == "__main__":
    main()
