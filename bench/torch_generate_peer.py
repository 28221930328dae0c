#!/usr/bin/env python3
"""Generation peer for bench/generate.ts: plain PyTorch Llama with a KV cache, eager, fp32.

Shapes default to SmolLM2-135M (hidden 576, 30 layers, 9 heads, 3 kv heads, MLP 1536, vocab
49152, tied embeddings). Random weights N(0, 0.02), random prompt ids. Greedy decoding.

Prefill: the whole prompt in one forward pass; the vocabulary projection runs on the last
position only (as transformers' generate does with logits_to_keep=1). Decode: one token per
step, keys and values appended to the cache with torch.cat (transformers' DynamicCache).

Run it through ../shared/peers/torch-peer (OpenBLAS). Prints one JSON line:
prefill_tokens_per_s, decode_tokens_per_s, prefill_s, decode_s_per_token, threads.
"""
import argparse
import json
import math
import time

import torch
import torch.nn.functional as F


def rope_tables(positions, head_dim, theta):
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
    angles = positions.float()[:, None] * inv_freq[None, :]  # (T, D/2)
    emb = torch.cat([angles, angles], dim=-1)  # (T, D)
    return emb.cos(), emb.sin()


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], dim=-1)


def rms_norm(x, weight, eps):
    variance = x.pow(2).mean(-1, keepdim=True)
    return weight * (x * torch.rsqrt(variance + eps))


class TinyLlama:
    """Weights as plain tensors, named by their role; one forward that reads and extends the cache."""

    def __init__(self, a, generator):
        self.a = a
        C, Fh, V = a.hidden, a.intermediate, a.vocab
        self.D = C // a.heads
        kv_dim = a.kv_heads * self.D

        def normal(*shape):
            return torch.randn(*shape, generator=generator) * 0.02

        self.embed = normal(V, C)
        self.layers = []
        for _ in range(a.layers):
            self.layers.append({
                "ln1": torch.ones(C), "ln2": torch.ones(C),
                "q": normal(C, C), "k": normal(kv_dim, C), "v": normal(kv_dim, C), "o": normal(C, C),
                "gate": normal(Fh, C), "up": normal(Fh, C), "down": normal(C, Fh),
            })
        self.norm = torch.ones(C)

    def forward(self, ids, cache, start):
        """ids (B, T) at positions start..start+T-1; cache: per layer [k, v] of (B, K, P, D) or None."""
        a, D = self.a, self.D
        B, T = ids.shape
        cos, sin = rope_tables(torch.arange(start, start + T), D, a.rope_theta)
        x = F.embedding(ids, self.embed)  # (B, T, C)
        causal = None
        if T > 1:
            causal = torch.full((T, start + T), float("-inf")).triu(start + 1)
        group = a.heads // a.kv_heads
        for i, w in enumerate(self.layers):
            h = rms_norm(x, w["ln1"], a.eps)
            q = F.linear(h, w["q"]).view(B, T, a.heads, D).transpose(1, 2)
            k = F.linear(h, w["k"]).view(B, T, a.kv_heads, D).transpose(1, 2)
            v = F.linear(h, w["v"]).view(B, T, a.kv_heads, D).transpose(1, 2)
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
            if cache[i] is not None:
                k = torch.cat([cache[i][0], k], dim=2)
                v = torch.cat([cache[i][1], v], dim=2)
            cache[i] = [k, v]
            if group > 1:
                k = k.repeat_interleave(group, dim=1)
                v = v.repeat_interleave(group, dim=1)
            scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(D)  # (B, H, T, S)
            if causal is not None:
                scores = scores + causal
            attended = torch.matmul(torch.softmax(scores, dim=-1), v)
            x = x + F.linear(attended.transpose(1, 2).reshape(B, T, a.hidden), w["o"])
            m = rms_norm(x, w["ln2"], a.eps)
            x = x + F.linear(F.silu(F.linear(m, w["gate"])) * F.linear(m, w["up"]), w["down"])
        last = rms_norm(x[:, -1:, :], self.norm, a.eps)
        return F.linear(last, self.embed)  # (B, 1, V), tied head


def generate(model, prompt, new_tokens):
    """Greedy decoding; returns (seconds to the first token, seconds of the remaining steps)."""
    cache = [None] * model.a.layers
    t0 = time.perf_counter()
    logits = model.forward(prompt, cache, 0)
    token = logits[:, -1].argmax(-1, keepdim=True)
    t1 = time.perf_counter()
    position = prompt.shape[1]
    for _ in range(new_tokens - 1):
        logits = model.forward(token, cache, position)
        token = logits[:, -1].argmax(-1, keepdim=True)
        position += 1
    return t1 - t0, time.perf_counter() - t1


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--hidden", type=int, default=576)
    p.add_argument("--layers", type=int, default=30)
    p.add_argument("--heads", type=int, default=9)
    p.add_argument("--kv-heads", type=int, default=3)
    p.add_argument("--intermediate", type=int, default=1536)
    p.add_argument("--vocab", type=int, default=49152)
    p.add_argument("--rope-theta", type=float, default=100000.0)
    p.add_argument("--eps", type=float, default=1e-5)
    p.add_argument("--prompt", type=int, default=256)
    p.add_argument("--new", type=int, default=64)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--threads", type=int, default=0)
    a = p.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    generator = torch.Generator().manual_seed(0)
    model = TinyLlama(a, generator)
    prompt = torch.randint(3, a.vocab, (a.batch, a.prompt), generator=generator)
    with torch.inference_mode():
        generate(model, prompt, 4)  # warm-up
        best_prefill, best_decode = math.inf, math.inf
        for _ in range(a.reps):
            prefill, decode = generate(model, prompt, a.new)
            best_prefill = min(best_prefill, prefill)
            best_decode = min(best_decode, decode)
    steps = a.new - 1
    print(json.dumps({
        "peer": "torch_generate", "torch": torch.__version__, "threads": torch.get_num_threads(),
        "batch": a.batch, "prompt": a.prompt, "new": a.new,
        "prefill_s": best_prefill, "prefill_tokens_per_s": a.batch * a.prompt / best_prefill,
        "decode_s_per_token": best_decode / steps, "decode_tokens_per_s": a.batch * steps / best_decode,
    }))


if __name__ == "__main__":
    main()
