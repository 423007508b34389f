"""LoRA training throughput of a Llama-shaped model in plain PyTorch on the CPU: the reference
the train bench (test/bench/node/train.bench.ts) compares our ONNX Runtime (wasm) trainer with.

Same architecture, LoRA config, batch and sequence length as the bench; base weights frozen,
LoRA A ~ kaiming-uniform, B = 0 (PEFT init), AdamW + global-norm clipping at 1.0, mean token
cross-entropy over every position. Prints one JSON object.

usage: python3 torch_lora_train.py '{"hidden":512,"layers":8,...}'
"""

import json
import math
import resource
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

cfg = json.loads(sys.argv[1])
torch.manual_seed(0)
torch.set_num_threads(cfg.get("threads", 1))

H, L, NH, KV = cfg["hidden"], cfg["layers"], cfg["heads"], cfg["kv_heads"]
I, V, B, T = cfg["intermediate"], cfg["vocab"], cfg["batch"], cfg["seq"]
R, ALPHA, MODULES = cfg["rank"], cfg["alpha"], set(cfg["modules"])
D = H // NH


CAUSAL = torch.full((T, T), float("-inf")).triu(1)


class LoraLinear(nn.Module):
    def __init__(self, d_in, d_out, name):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(d_out, d_in) * 0.02, requires_grad=False)
        self.lora = name in MODULES
        if self.lora:
            self.A = nn.Parameter(torch.empty(R, d_in))
            nn.init.kaiming_uniform_(self.A, a=math.sqrt(5))
            self.B = nn.Parameter(torch.zeros(d_out, R))

    def forward(self, x):
        y = x @ self.weight.t()
        if self.lora:
            y = y + (x @ self.A.t() @ self.B.t()) * (ALPHA / R)
        return y


def rms_norm(x, w, eps=1e-5):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rope(x, cos, sin):
    x1, x2 = x[..., : D // 2], x[..., D // 2 :]
    return x * cos + torch.cat([-x2, x1], -1) * sin


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.n1 = nn.Parameter(torch.ones(H), requires_grad=False)
        self.n2 = nn.Parameter(torch.ones(H), requires_grad=False)
        self.q = LoraLinear(H, NH * D, "q_proj")
        self.k = LoraLinear(H, KV * D, "k_proj")
        self.v = LoraLinear(H, KV * D, "v_proj")
        self.o = LoraLinear(NH * D, H, "o_proj")
        self.gate = LoraLinear(H, I, "gate_proj")
        self.up = LoraLinear(H, I, "up_proj")
        self.down = LoraLinear(I, H, "down_proj")

    def forward(self, x, cos, sin):
        h = rms_norm(x, self.n1)
        q = rope(self.q(h).view(B, T, NH, D).transpose(1, 2), cos, sin)
        k = rope(self.k(h).view(B, T, KV, D).transpose(1, 2), cos, sin)
        v = self.v(h).view(B, T, KV, D).transpose(1, 2)
        k = k.repeat_interleave(NH // KV, 1)
        v = v.repeat_interleave(NH // KV, 1)
        # explicit attention (Debian's torch 1.13 has no scaled_dot_product_attention)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(D) + CAUSAL
        a = torch.softmax(scores, -1) @ v
        x = x + self.o(a.transpose(1, 2).reshape(B, T, H))
        h = rms_norm(x, self.n2)
        return x + self.down(F.silu(self.gate(h)) * self.up(h))


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Parameter(torch.randn(V, H) * 0.02, requires_grad=False)
        self.layers = nn.ModuleList(Layer() for _ in range(L))
        self.norm = nn.Parameter(torch.ones(H), requires_grad=False)
        self.head = nn.Parameter(torch.randn(V, H) * 0.02, requires_grad=False)
        inv = 1.0 / (10000 ** (torch.arange(0, D, 2).float() / D))
        f = torch.outer(torch.arange(T).float(), inv)
        emb = torch.cat([f, f], -1)
        self.cos, self.sin = emb.cos(), emb.sin()

    def forward(self, ids):
        x = self.embed[ids]
        for layer in self.layers:
            x = layer(x, self.cos, self.sin)
        return rms_norm(x, self.norm) @ self.head.t()


model = Model()
params = [p for p in model.parameters() if p.requires_grad]
opt = torch.optim.AdamW(params, lr=2e-4, weight_decay=0.1)
gen = torch.Generator().manual_seed(1)
ids = torch.randint(0, V, (B, T), generator=gen)


def step():
    logits = model(ids)
    loss = F.cross_entropy(logits[:, :-1].reshape(-1, V), ids[:, 1:].reshape(-1))
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, 1.0)
    opt.step()
    return loss.item()


for _ in range(cfg.get("warmup", 1)):
    step()
n = cfg.get("steps", 3)
t0 = time.perf_counter()
losses = [step() for _ in range(n)]
dt = (time.perf_counter() - t0) / n
print(
    json.dumps(
        {
            "stepMs": dt * 1000,
            "tokensPerSecond": B * T / dt,
            "peakRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "params": sum(p.numel() for p in model.parameters()),
            "loraParams": sum(p.numel() for p in params),
            "threads": torch.get_num_threads(),
            "torch": torch.__version__,
            "loss": losses[-1],
        }
    )
)
