"""Reference logits and gradients for Tuna's model code (llama, mistral, qwen2, gpt2, gpt_neox).

Regenerate (from the repository root, a few seconds on CPU):

    /usr/bin/python3 reference/models_reference.py

Writes fixtures/models/<variant>/ for every variant in VARIANTS: a Hugging Face model folder
(config.json, model.safetensors), expected.safetensors (logits for a padded batch),
grads.safetensors (loss and gradients for full fine-tuning and for LoRA) and, for llama, a
PEFT adapter folder peft_adapter/. Needs only PyTorch (Debian's python3-torch 1.13) and numpy.
Each architecture is written from the definitions in transformers' modeling_<arch>.py and
modeling_rope_utils.py; see reference/README.md for the fixture layout and the choices made.
Running it twice gives byte-identical files.
"""

import json
import math
import os
import struct

import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "fixtures", "models")
TRANSFORMERS_VERSION = "4.51.3"  # the config.json layout written below (torch_dtype, rope_theta, rope_scaling)
PEFT_VERSION = "0.21.0"
BATCH, SEQ, PAD_ID, PAD_LEN = 2, 7, 0, 2
LORA_R, LORA_ALPHA = 4, 8

LLAMA_BASE = dict(hidden=32, layers=2, heads=4, kv_heads=2, inter=64, vocab=128, max_pos=64, theta=10000.0, eps=1e-6)
VARIANTS = {
    # SmolLM-like: tied embeddings, no biases.
    "llama": dict(arch="llama", seed=1, tied=True, **LLAMA_BASE),
    # Llama 3.1 frequency smoothing; original_max_position_embeddings 256 puts one frequency in each
    # of the three bands (kept, smoothed, divided by factor) for head_dim 8 and theta 500000.
    "llama3_rope": dict(arch="llama", seed=2, tied=False, **{**LLAMA_BASE, "theta": 500000.0, "max_pos": 1024},
                        rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                      "high_freq_factor": 4.0, "original_max_position_embeddings": 256}),
    # Linear position interpolation plus every optional Llama bias (attention_bias, mlp_bias).
    "llama_linear_bias": dict(arch="llama", seed=3, tied=False, attention_bias=True, mlp_bias=True,
                              rope_scaling={"rope_type": "linear", "factor": 2.0}, **LLAMA_BASE),
    "mistral": dict(arch="mistral", seed=4, tied=False, **LLAMA_BASE),
    "qwen2": dict(arch="qwen2", seed=5, tied=True, **LLAMA_BASE),
    "gpt2": dict(arch="gpt2", seed=6, hidden=32, layers=2, heads=4, vocab=128, max_pos=64, eps=1e-5),
    # Pythia-like: head 16, rotary_pct 0.25 -> 4 rotated dims per head, parallel residual.
    "gpt_neox": dict(arch="gpt_neox", seed=7, hidden=64, layers=2, heads=4, inter=128, vocab=128, max_pos=64,
                     theta=10000.0, rotary_pct=0.25, eps=1e-5, parallel=True),
}
LORA_TARGETS = {"llama": ["q_proj", "v_proj"], "mistral": ["q_proj", "v_proj"], "qwen2": ["q_proj", "v_proj"],
                "gpt2": ["c_attn"], "gpt_neox": ["query_key_value"]}


# ---------------------------------------------------------------- safetensors

ST_DTYPES = {torch.float32: ("F32", 15), torch.float64: ("F64", 16), torch.int64: ("I64", 17)}


def write_safetensors(path, tensors, metadata=None):
    """8-byte LE header size, compact JSON header padded with spaces to 8 bytes, then the data.
    Tensors ordered as the safetensors library orders them: by dtype (descending), then name."""
    order = sorted(tensors, key=lambda name: (-ST_DTYPES[tensors[name].dtype][1], name))
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name in order:
        t = tensors[name].detach().contiguous()
        data = t.numpy().tobytes()  # x86 is little-endian
        header[name] = {"dtype": ST_DTYPES[t.dtype][0], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def write_json(path, obj, trailing_newline):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(json.dumps(obj, indent=2, sort_keys=True) + ("\n" if trailing_newline else ""))


# ---------------------------------------------------------------- parameters

def param_specs(v):
    """(checkpoint name, shape, kind) in creation order; names are transformers' checkpoint keys."""
    C, L, V = v["hidden"], v["layers"], v["vocab"]
    specs = []
    if v["arch"] in ("llama", "mistral", "qwen2"):
        D = C // v["heads"]
        qkv_bias = v["arch"] == "qwen2" or v.get("attention_bias", False)
        o_bias = v.get("attention_bias", False)
        mlp_bias = v.get("mlp_bias", False)
        specs.append(("model.embed_tokens.weight", [V, C], "embed"))
        for i in range(L):
            p = f"model.layers.{i}."
            specs.append((p + "input_layernorm.weight", [C], "norm"))
            for proj, out, bias in [("q_proj", v["heads"] * D, qkv_bias), ("k_proj", v["kv_heads"] * D, qkv_bias),
                                    ("v_proj", v["kv_heads"] * D, qkv_bias), ("o_proj", C, o_bias)]:
                specs.append((p + f"self_attn.{proj}.weight", [out, C if proj != "o_proj" else v["heads"] * D], "linear"))
                if bias:
                    specs.append((p + f"self_attn.{proj}.bias", [out], "bias"))
            specs.append((p + "post_attention_layernorm.weight", [C], "norm"))
            for proj, shape in [("gate_proj", [v["inter"], C]), ("up_proj", [v["inter"], C]), ("down_proj", [C, v["inter"]])]:
                specs.append((p + f"mlp.{proj}.weight", shape, "linear"))
                if mlp_bias:
                    specs.append((p + f"mlp.{proj}.bias", [shape[0]], "bias"))
        specs.append(("model.norm.weight", [C], "norm"))
        if not v["tied"]:
            specs.append(("lm_head.weight", [V, C], "linear"))
    elif v["arch"] == "gpt2":
        specs += [("transformer.wte.weight", [V, C], "embed"), ("transformer.wpe.weight", [v["max_pos"], C], "embed")]
        for i in range(L):
            p = f"transformer.h.{i}."
            # Conv1D stores weights as (in, out).
            for name, shape in [("ln_1", None), ("attn.c_attn", [C, 3 * C]), ("attn.c_proj", [C, C]), ("ln_2", None),
                                ("mlp.c_fc", [C, 4 * C]), ("mlp.c_proj", [4 * C, C])]:
                if shape is None:
                    specs += [(p + name + ".weight", [C], "norm"), (p + name + ".bias", [C], "norm_bias")]
                else:
                    specs += [(p + name + ".weight", shape, "conv1d"), (p + name + ".bias", [shape[1]], "bias")]
        specs += [("transformer.ln_f.weight", [C], "norm"), ("transformer.ln_f.bias", [C], "norm_bias")]
    elif v["arch"] == "gpt_neox":
        specs.append(("gpt_neox.embed_in.weight", [V, C], "embed"))
        for i in range(L):
            p = f"gpt_neox.layers.{i}."
            for ln in ("input_layernorm", "post_attention_layernorm"):
                specs += [(p + ln + ".weight", [C], "norm"), (p + ln + ".bias", [C], "norm_bias")]
            for name, shape in [("attention.query_key_value", [3 * C, C]), ("attention.dense", [C, C]),
                                ("mlp.dense_h_to_4h", [v["inter"], C]), ("mlp.dense_4h_to_h", [C, v["inter"]])]:
                specs += [(p + name + ".weight", shape, "linear"), (p + name + ".bias", [shape[0]], "bias")]
        specs += [("gpt_neox.final_layer_norm.weight", [C], "norm"), ("gpt_neox.final_layer_norm.bias", [C], "norm_bias")]
        specs.append(("embed_out.weight", [V, C], "linear"))
    return specs


def make_params(v):
    """float32 weights, scaled so attention is far from uniform and every norm parameter matters."""
    g = torch.Generator().manual_seed(1000 + v["seed"])
    params = {}
    for name, shape, kind in param_specs(v):
        x = torch.randn(shape, generator=g, dtype=torch.float32)
        if kind == "embed":
            x = x * 0.5
        elif kind == "linear":
            x = x / math.sqrt(shape[1])
        elif kind == "conv1d":
            x = x / math.sqrt(shape[0])
        elif kind == "norm":
            x = 1.0 + 0.1 * x
        else:  # bias, norm_bias
            x = 0.1 * x
        params[name] = x
    return params


def lora_module_paths(v):
    paths = []
    for i in range(v["layers"]):
        for t in LORA_TARGETS[v["arch"]]:
            if v["arch"] == "gpt2":
                paths.append(f"transformer.h.{i}.attn.{t}")
            elif v["arch"] == "gpt_neox":
                paths.append(f"gpt_neox.layers.{i}.attention.{t}")
            else:
                paths.append(f"model.layers.{i}.self_attn.{t}")
    return paths


def make_lora(v, params):
    """lora_A like kaiming_uniform(a=sqrt(5)) = U(-1/sqrt(in), 1/sqrt(in)); lora_B small but non-zero."""
    g = torch.Generator().manual_seed(2000 + v["seed"])
    lora = {}
    for path in lora_module_paths(v):
        w = params[path + ".weight"]
        d_in, d_out = (w.shape[0], w.shape[1]) if v["arch"] == "gpt2" else (w.shape[1], w.shape[0])
        bound = 1.0 / math.sqrt(d_in)
        lora[path + ".lora_A.weight"] = (torch.rand([LORA_R, d_in], generator=g, dtype=torch.float32) * 2 - 1) * bound
        lora[path + ".lora_B.weight"] = torch.randn([d_out, LORA_R], generator=g, dtype=torch.float32) * 0.1
    return lora


def make_batch(v):
    g = torch.Generator().manual_seed(3000 + v["seed"])
    input_ids = torch.randint(3, v["vocab"], (BATCH, SEQ), generator=g, dtype=torch.int64)
    attention_mask = torch.ones(BATCH, SEQ, dtype=torch.int64)
    input_ids[1, SEQ - PAD_LEN:] = PAD_ID
    attention_mask[1, SEQ - PAD_LEN:] = 0
    # transformers' default: arange over the sequence for every row (right padding keeps real positions exact).
    position_ids = torch.arange(SEQ, dtype=torch.int64).unsqueeze(0).expand(BATCH, SEQ).contiguous()
    labels = input_ids.clone()
    labels[:, :2] = -100
    labels[attention_mask == 0] = -100
    return input_ids, attention_mask, position_ids, labels


# ---------------------------------------------------------------- shared layers

def linear(x, P, path, lora=None, conv1d=False):
    w = P[path + ".weight"]
    y = x @ w if conv1d else x @ w.T
    if path + ".bias" in P:
        y = y + P[path + ".bias"]
    if lora is not None and path + ".lora_A.weight" in lora:
        A, B = lora[path + ".lora_A.weight"], lora[path + ".lora_B.weight"]
        y = y + (x @ A.T @ B.T) * (LORA_ALPHA / LORA_R)
    return y


def rms_norm(x, w, eps):
    # transformers upcasts to float32 first; a no-op here, where everything is float32 or float64.
    return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def layer_norm(x, P, path, eps):
    return F.layer_norm(x, x.shape[-1:], P[path + ".weight"], P[path + ".bias"], eps)


def gelu_tanh(x):  # gelu_new
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x.pow(3))))


def gelu_erf(x):  # gelu
    return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))


def mask_bias(attention_mask, dtype):
    """(B, 1, T, T) additive mask: query i sees key j when j <= i and key j is not padding.
    Padded queries still get outputs (they see the real keys before them)."""
    T = attention_mask.shape[1]
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
    allowed = causal[None, None] & attention_mask.bool()[:, None, None, :]
    return torch.zeros(allowed.shape, dtype=dtype).masked_fill(~allowed, torch.finfo(dtype).min)


def attend(q, k, v, bias):
    """q (B, H, T, D), k/v (B, H, T, D) -> (B, T, H*D), scale 1/sqrt(D), softmax over keys."""
    scores = q @ k.transpose(-1, -2) * q.shape[-1] ** -0.5 + bias
    out = torch.softmax(scores, dim=-1) @ v
    B, H, T, D = out.shape
    return out.transpose(1, 2).reshape(B, T, H * D)


def rope_inv_freq(dim, theta, rope_scaling):
    """modeling_rope_utils: default, linear and llama3 init functions (computed in float64)."""
    inv_freq = 1.0 / (theta ** (torch.arange(0, dim, 2, dtype=torch.int64).to(torch.float64) / dim))
    kind = (rope_scaling or {}).get("rope_type", "default")
    if kind == "linear":
        inv_freq = inv_freq / rope_scaling["factor"]
    elif kind == "llama3":
        factor = rope_scaling["factor"]
        low, high = rope_scaling["low_freq_factor"], rope_scaling["high_freq_factor"]
        old_len = rope_scaling["original_max_position_embeddings"]
        wavelen = 2 * math.pi / inv_freq
        scaled = torch.where(wavelen > old_len / low, inv_freq / factor, inv_freq)
        smooth = (old_len / wavelen - low) / (high - low)
        smoothed = (1 - smooth) * scaled / factor + smooth * scaled
        medium = ~(wavelen < old_len / high) & ~(wavelen > old_len / low)
        inv_freq = torch.where(medium, smoothed, scaled)
    elif kind != "default":
        raise ValueError(f"rope_type {kind!r} is not implemented here")
    return inv_freq


def rope_cos_sin(position_ids, inv_freq, dtype):
    freqs = position_ids.to(torch.float64)[..., None] * inv_freq  # (B, T, dim/2)
    emb = torch.cat([freqs, freqs], dim=-1)
    return emb.cos().to(dtype)[:, None], emb.sin().to(dtype)[:, None]  # (B, 1, T, dim)


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], dim=-1)


def apply_rope(x, cos, sin):
    """Rotates the first cos.shape[-1] dims of each head (all of them unless partial rotary)."""
    n = cos.shape[-1]
    rot, rest = x[..., :n], x[..., n:]
    return torch.cat([rot * cos + rotate_half(rot) * sin, rest], dim=-1)


# ---------------------------------------------------------------- architectures

def llama_forward(v, P, input_ids, attention_mask, position_ids, lora=None):
    """Llama, Mistral and Qwen2 (their differences are which biases exist)."""
    H, KV = v["heads"], v["kv_heads"]
    D = v["hidden"] // H
    dtype = P["model.embed_tokens.weight"].dtype
    h = P["model.embed_tokens.weight"][input_ids]  # (B, T, C)
    B, T, _ = h.shape
    cos, sin = rope_cos_sin(position_ids, rope_inv_freq(D, v["theta"], v.get("rope_scaling")), dtype)
    bias = mask_bias(attention_mask, dtype)
    for i in range(v["layers"]):
        p = f"model.layers.{i}."
        x = rms_norm(h, P[p + "input_layernorm.weight"], v["eps"])
        q = linear(x, P, p + "self_attn.q_proj", lora).view(B, T, H, D).transpose(1, 2)
        k = linear(x, P, p + "self_attn.k_proj", lora).view(B, T, KV, D).transpose(1, 2)
        val = linear(x, P, p + "self_attn.v_proj", lora).view(B, T, KV, D).transpose(1, 2)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        # repeat_kv: kv head j serves query heads j*H/KV .. (j+1)*H/KV - 1
        k, val = k.repeat_interleave(H // KV, dim=1), val.repeat_interleave(H // KV, dim=1)
        h = h + linear(attend(q, k, val, bias), P, p + "self_attn.o_proj", lora)
        x = rms_norm(h, P[p + "post_attention_layernorm.weight"], v["eps"])
        gate, up = linear(x, P, p + "mlp.gate_proj", lora), linear(x, P, p + "mlp.up_proj", lora)
        h = h + linear(F.silu(gate) * up, P, p + "mlp.down_proj", lora)
    h = rms_norm(h, P["model.norm.weight"], v["eps"])
    head = P["model.embed_tokens.weight"] if v["tied"] else P["lm_head.weight"]
    return h @ head.T


def gpt2_forward(v, P, input_ids, attention_mask, position_ids, lora=None):
    H = v["heads"]
    C = v["hidden"]
    dtype = P["transformer.wte.weight"].dtype
    h = P["transformer.wte.weight"][input_ids] + P["transformer.wpe.weight"][position_ids]
    B, T, _ = h.shape
    bias = mask_bias(attention_mask, dtype)
    for i in range(v["layers"]):
        p = f"transformer.h.{i}."
        x = layer_norm(h, P, p + "ln_1", v["eps"])
        q, k, val = linear(x, P, p + "attn.c_attn", lora, conv1d=True).split(C, dim=-1)  # fused, then split in thirds
        q, k, val = (t.view(B, T, H, C // H).transpose(1, 2) for t in (q, k, val))
        h = h + linear(attend(q, k, val, bias), P, p + "attn.c_proj", lora, conv1d=True)
        x = layer_norm(h, P, p + "ln_2", v["eps"])
        h = h + linear(gelu_tanh(linear(x, P, p + "mlp.c_fc", lora, conv1d=True)), P, p + "mlp.c_proj", lora, conv1d=True)
    h = layer_norm(h, P, "transformer.ln_f", v["eps"])
    return h @ P["transformer.wte.weight"].T  # lm_head tied to wte


def gpt_neox_forward(v, P, input_ids, attention_mask, position_ids, lora=None):
    H = v["heads"]
    D = v["hidden"] // H
    rotary_ndims = int(D * v["rotary_pct"])
    dtype = P["gpt_neox.embed_in.weight"].dtype
    h = P["gpt_neox.embed_in.weight"][input_ids]
    B, T, _ = h.shape
    cos, sin = rope_cos_sin(position_ids, rope_inv_freq(rotary_ndims, v["theta"], None), dtype)
    bias = mask_bias(attention_mask, dtype)
    for i in range(v["layers"]):
        p = f"gpt_neox.layers.{i}."
        x = layer_norm(h, P, p + "input_layernorm", v["eps"])
        # Fused output laid out per head as [q_h | k_h | v_h]: view (B, T, H, 3D), then split the last dim.
        qkv = linear(x, P, p + "attention.query_key_value", lora).view(B, T, H, 3 * D).transpose(1, 2)
        q, k, val = qkv.split(D, dim=-1)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        attn = linear(attend(q, k, val, bias), P, p + "attention.dense", lora)
        if v["parallel"]:  # x + attn(ln1(x)) + mlp(ln2(x))
            x2 = layer_norm(h, P, p + "post_attention_layernorm", v["eps"])
            mlp = linear(gelu_erf(linear(x2, P, p + "mlp.dense_h_to_4h", lora)), P, p + "mlp.dense_4h_to_h", lora)
            h = h + attn + mlp
        else:
            h = h + attn
            x2 = layer_norm(h, P, p + "post_attention_layernorm", v["eps"])
            h = h + linear(gelu_erf(linear(x2, P, p + "mlp.dense_h_to_4h", lora)), P, p + "mlp.dense_4h_to_h", lora)
    h = layer_norm(h, P, "gpt_neox.final_layer_norm", v["eps"])
    return h @ P["embed_out.weight"].T


FORWARD = {"llama": llama_forward, "mistral": llama_forward, "qwen2": llama_forward,
           "gpt2": gpt2_forward, "gpt_neox": gpt_neox_forward}


def causal_lm_loss(logits, labels):
    """transformers' ForCausalLMLoss: position t predicts labels[t+1]; mean over labels != -100."""
    V = logits.shape[-1]
    return F.cross_entropy(logits[:, :-1].reshape(-1, V), labels[:, 1:].reshape(-1), ignore_index=-100, reduction="mean")


# ---------------------------------------------------------------- config files

def hf_config(v):
    """config.json as transformers 4.51 saves it (fields differing from PretrainedConfig's defaults, sorted)."""
    common = {"bos_token_id": 1, "eos_token_id": 2, "initializer_range": 0.02, "torch_dtype": "float32",
              "transformers_version": TRANSFORMERS_VERSION, "use_cache": True, "vocab_size": v["vocab"]}
    arch = v["arch"]
    if arch in ("llama", "mistral", "qwen2"):
        cfg = {**common, "attention_dropout": 0.0, "hidden_act": "silu", "hidden_size": v["hidden"],
               "intermediate_size": v["inter"], "max_position_embeddings": v["max_pos"],
               "num_attention_heads": v["heads"], "num_hidden_layers": v["layers"],
               "num_key_value_heads": v["kv_heads"], "rms_norm_eps": v["eps"], "rope_theta": v["theta"],
               "tie_word_embeddings": v["tied"]}
        if arch == "llama":
            cfg.update(architectures=["LlamaForCausalLM"], model_type="llama", attention_bias=v.get("attention_bias", False),
                       mlp_bias=v.get("mlp_bias", False), head_dim=v["hidden"] // v["heads"], pretraining_tp=1,
                       rope_scaling=v.get("rope_scaling"))
        elif arch == "mistral":
            cfg.update(architectures=["MistralForCausalLM"], model_type="mistral", head_dim=v["hidden"] // v["heads"],
                       sliding_window=None)
        else:
            cfg.update(architectures=["Qwen2ForCausalLM"], model_type="qwen2", rope_scaling=None,
                       use_sliding_window=False, sliding_window=4096, max_window_layers=28)
        return cfg
    if arch == "gpt2":
        # tie_word_embeddings is true, PretrainedConfig's default, so transformers leaves it out.
        return {**common, "activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"], "attn_pdrop": 0.1,
                "embd_pdrop": 0.1, "layer_norm_epsilon": v["eps"], "model_type": "gpt2", "n_embd": v["hidden"],
                "n_head": v["heads"], "n_inner": None, "n_layer": v["layers"], "n_positions": v["max_pos"],
                "reorder_and_upcast_attn": False, "resid_pdrop": 0.1, "scale_attn_by_inverse_layer_idx": False,
                "scale_attn_weights": True, "summary_activation": None, "summary_first_dropout": 0.1,
                "summary_proj_to_labels": True, "summary_type": "cls_index", "summary_use_proj": True}
    return {**common, "architectures": ["GPTNeoXForCausalLM"], "attention_bias": True, "attention_dropout": 0.0,
            "classifier_dropout": 0.1, "hidden_act": "gelu", "hidden_dropout": 0.0, "hidden_size": v["hidden"],
            "intermediate_size": v["inter"], "layer_norm_eps": v["eps"], "max_position_embeddings": v["max_pos"],
            "model_type": "gpt_neox", "num_attention_heads": v["heads"], "num_hidden_layers": v["layers"],
            "partial_rotary_factor": v["rotary_pct"], "rope_scaling": None, "rope_theta": v["theta"],
            "rotary_emb_base": v["theta"], "rotary_pct": v["rotary_pct"], "tie_word_embeddings": False,
            "use_parallel_residual": v["parallel"]}


def peft_adapter_config(v, base_model_name_or_path):
    """adapter_config.json as PEFT 0.21.0 saves LoraConfig(r, lora_alpha, target_modules, dropout 0, bias none,
    task_type CAUSAL_LM): every dataclass field but runtime_config, inference_mode true."""
    return {
        "alora_invocation_tokens": None, "alpha_pattern": {}, "arrow_config": None, "auto_mapping": None,
        "base_model_name_or_path": base_model_name_or_path, "bias": "none", "corda_config": None,
        "ensure_weight_tying": False, "eva_config": None, "exclude_modules": None, "fan_in_fan_out": v["arch"] == "gpt2",
        "inference_mode": True, "init_lora_weights": True, "kasa_config": None, "layer_replication": None,
        "layers_pattern": None, "layers_to_transform": None, "loftq_config": {}, "lora_alpha": LORA_ALPHA,
        "lora_bias": False, "lora_dropout": 0.0, "lora_ga_config": None, "megatron_config": None,
        "megatron_core": "megatron.core", "modules_to_save": None, "monteclora_config": None, "peft_type": "LORA",
        "peft_version": PEFT_VERSION, "qalora_group_size": 16, "r": LORA_R, "rank_pattern": {}, "revision": None,
        "target_modules": LORA_TARGETS[v["arch"]], "target_parameters": None, "task_type": "CAUSAL_LM",
        "trainable_token_indices": None, "use_bdlora": None, "use_dora": False, "use_qalora": False,
        "use_rslora": False, "velora_config": None,
    }


# ---------------------------------------------------------------- checks and output

def finite_difference_check(v, P, batch, name, index, eps=1e-5):
    """Central difference of the float64 loss against autograd for one weight element."""
    forward = FORWARD[v["arch"]]
    input_ids, attention_mask, position_ids, labels = batch
    P = {k: t.detach().clone().requires_grad_(k == name) for k, t in P.items()}
    loss = causal_lm_loss(forward(v, P, input_ids, attention_mask, position_ids), labels)
    analytic = torch.autograd.grad(loss, P[name])[0][index].item()
    with torch.no_grad():
        values = []
        for sign in (1, -1):
            Q = dict(P)
            Q[name] = P[name].clone()
            Q[name][index] += sign * eps
            values.append(causal_lm_loss(forward(v, Q, input_ids, attention_mask, position_ids), labels).item())
    numeric = (values[0] - values[1]) / (2 * eps)
    rel = abs(numeric - analytic) / max(abs(analytic), 1e-12)
    assert abs(numeric - analytic) <= 1e-9 + 1e-6 * abs(analytic), \
        f"{name}{index}: autograd {analytic} vs finite difference {numeric}"
    return analytic, numeric, rel


def build_variant(key, v):
    out = os.path.join(OUT_DIR, key)
    params32 = make_params(v)
    lora32 = make_lora(v, params32)
    batch = make_batch(v)
    input_ids, attention_mask, position_ids, labels = batch
    forward = FORWARD[v["arch"]]
    P = {k: t.double().requires_grad_(True) for k, t in params32.items()}

    write_json(os.path.join(out, "config.json"), hf_config(v), trailing_newline=True)
    write_safetensors(os.path.join(out, "model.safetensors"), params32, {"format": "pt"})

    logits = forward(v, P, input_ids, attention_mask, position_ids)
    loss = causal_lm_loss(logits, labels)
    grads = torch.autograd.grad(loss, list(P.values()))
    inputs = {"input_ids": input_ids, "attention_mask": attention_mask, "position_ids": position_ids}
    write_safetensors(os.path.join(out, "expected.safetensors"), {**inputs, "logits": logits.detach().float()})

    # LoRA: base frozen, gradients for lora_A / lora_B only.
    L = {k: t.double().requires_grad_(True) for k, t in lora32.items()}
    frozen = {k: t.detach() for k, t in P.items()}
    lora_logits = forward(v, frozen, input_ids, attention_mask, position_ids, lora=L)
    lora_loss = causal_lm_loss(lora_logits, labels)
    lora_grads = torch.autograd.grad(lora_loss, list(L.values()))
    record = {**inputs, "labels": labels, "loss": loss.detach().float(), "lora_loss": lora_loss.detach().float()}
    record.update({"grad." + k: g.float() for k, g in zip(P, grads)})
    record.update({"lora." + k: t for k, t in lora32.items()})
    record.update({"lora_grad." + k: g.float() for k, g in zip(L, lora_grads)})
    meta = {"lora_alpha": str(LORA_ALPHA), "lora_r": str(LORA_R), "lora_target_modules": ",".join(LORA_TARGETS[v["arch"]])}
    write_safetensors(os.path.join(out, "grads.safetensors"), record, meta)

    if key == "llama":
        adapter = os.path.join(out, "peft_adapter")
        write_json(os.path.join(adapter, "adapter_config.json"), peft_adapter_config(v, "fixtures/models/llama"),
                   trailing_newline=False)
        write_safetensors(os.path.join(adapter, "adapter_model.safetensors"),
                          {"base_model.model." + k: t for k, t in lora32.items()}, {"format": "pt"})
        write_safetensors(os.path.join(adapter, "expected.safetensors"),
                          {**inputs, "lora_logits": lora_logits.detach().float()})
        # float32 recompute of the same logits, to size the tolerance tests need.
        P32 = {k: t.clone() for k, t in params32.items()}
        logits32 = forward(v, P32, input_ids, attention_mask, position_ids)
        print(f"  float32 vs float64 logits: max abs diff {(logits32.double() - logits.detach()).abs().max().item():.3e}")

    first_attn = {"llama": "model.layers.0.self_attn.q_proj.weight", "mistral": "model.layers.0.self_attn.k_proj.weight",
                  "qwen2": "model.layers.0.self_attn.q_proj.bias", "gpt2": "transformer.h.0.attn.c_attn.weight",
                  "gpt_neox": "gpt_neox.layers.0.attention.query_key_value.weight"}[v["arch"]]
    norm = [name for name, _, kind in param_specs(v) if kind == "norm"][0]
    for name in (first_attn, norm):
        index = (1, 2) if P[name].dim() == 2 else (3,)
        analytic, numeric, rel = finite_difference_check(v, P, batch, name, index)
        print(f"  d loss / d {name}{list(index)}: autograd {analytic:.10e}, finite difference {numeric:.10e} (rel {rel:.1e})")
    print(f"  loss {loss.item():.6f}, lora loss {lora_loss.item():.6f}, {sum(t.numel() for t in params32.values())} params")


def main():
    torch.set_num_threads(1)  # one thread: the same reduction order on every run
    for key, v in VARIANTS.items():
        print(key)
        build_variant(key, v)


if __name__ == "__main__":
    main()
