"""Checks Tuna's GGUF exports with llama.cpp's own Python package (gguf-py) and writes the fixture
src/export/*.test.ts compares against.

    python3 -m venv /tmp/ggufvenv
    /tmp/ggufvenv/bin/pip install --no-index --find-links /opt/pypi/files gguf numpy safetensors
    npx tsx reference/gguf_inputs.ts /tmp/tuna-gguf-case
    /tmp/ggufvenv/bin/python reference/gguf_reference.py /tmp/tuna-gguf-case

For each file it (1) parses it with gguf.GGUFReader, an independent reader; (2) rebuilds every
tensor from the Hugging Face checkpoint the way convert_hf_to_gguf.py / convert_lora_to_gguf.py
do (llama.cpp's names, LlamaModel.permute on q_proj/k_proj rows and on LoRA B, 1-D tensors in
float32, gguf.quants.quantize for Q8_0, numpy's float16) and requires Tuna's bytes to be equal;
(3) records the metadata and a SHA-256 of every tensor's bytes in fixtures/export/gguf_reference.json.
"""
import hashlib
import json
import sys
from pathlib import Path

import gguf
import numpy as np
from safetensors.numpy import load_file

case = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/tuna-gguf-case")
out = Path(__file__).resolve().parent.parent / "fixtures" / "export" / "gguf_reference.json"

config = json.loads((case / "model" / "config.json").read_text())
weights = load_file(str(case / "model" / "model.safetensors"))
n_head, n_kv = config["num_attention_heads"], config.get("num_key_value_heads", config["num_attention_heads"])


def permute(w, heads):
    # convert_hf_to_gguf.py LlamaModel.permute
    return w.reshape(heads, 2, w.shape[0] // heads // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


LAYER = {
    "input_layernorm.weight": "attn_norm.weight", "self_attn.q_proj.weight": "attn_q.weight",
    "self_attn.k_proj.weight": "attn_k.weight", "self_attn.v_proj.weight": "attn_v.weight",
    "self_attn.o_proj.weight": "attn_output.weight", "post_attention_layernorm.weight": "ffn_norm.weight",
    "mlp.gate_proj.weight": "ffn_gate.weight", "mlp.up_proj.weight": "ffn_up.weight", "mlp.down_proj.weight": "ffn_down.weight",
}


def hf_to_gguf(name):
    if name == "model.embed_tokens.weight":
        return "token_embd.weight"
    if name == "model.norm.weight":
        return "output_norm.weight"
    if name == "lm_head.weight":
        return "output.weight"
    parts = name.split(".")
    return f"blk.{parts[2]}.{LAYER['.'.join(parts[3:])]}"


def encode(values, qtype):
    values = values.astype(np.float32)
    if values.ndim == 1 or qtype == "F32":
        return values.tobytes(), "F32"
    if qtype == "F16":
        return values.astype(np.float16).tobytes(), "F16"
    if values.shape[-1] % 32 != 0:
        return values.astype(np.float16).tobytes(), "F16"
    return gguf.quants.quantize(values, gguf.GGMLQuantizationType.Q8_0).tobytes(), "Q8_0"


def model_tensors(qtype):
    expected = {}
    for name, w in weights.items():
        if name.endswith("q_proj.weight"):
            w = permute(w, n_head)
        elif name.endswith("k_proj.weight"):
            w = permute(w, n_kv)
        expected[hf_to_gguf(name)] = encode(w, qtype)
    return expected


def adapter_tensors():
    adapter = load_file(str(case / "adapter" / "adapter_model.safetensors"))
    expected = {}
    for key, w in adapter.items():
        # base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight
        module, which = key.removeprefix("base_model.model.").rsplit(".lora_", 1)
        which = which.split(".")[0]
        if which == "B" and module.endswith("q_proj"):
            w = permute(w, n_head)
        elif which == "B" and module.endswith("k_proj"):
            w = permute(w, n_kv)
        expected[f"{hf_to_gguf(module + '.weight')}.lora_{which.lower()}"] = encode(w, "F16")
    return expected


def field_value(field):
    kind = field.types[0]
    if kind == gguf.GGUFValueType.ARRAY:
        item = field.types[-1]
        values = [field.parts[i] for i in field.data]
        if item == gguf.GGUFValueType.STRING:
            texts = [bytes(v).decode("utf-8") for v in values]
            return {"count": len(texts), "sha256": hashlib.sha256("\n".join(texts).encode()).hexdigest(), "first": texts[:4]}
        numbers = [v.tolist()[0] for v in values]
        return {"count": len(numbers), "sha256": hashlib.sha256(np.array(numbers, dtype=np.float64).tobytes()).hexdigest(), "first": numbers[:4]}
    if kind == gguf.GGUFValueType.STRING:
        return bytes(field.parts[field.data[0]]).decode("utf-8")
    value = field.parts[field.data[0]].tolist()[0]
    return value


def check(path, expected):
    reader = gguf.GGUFReader(str(path))
    metadata = {}
    for name, field in reader.fields.items():
        if name.startswith("GGUF."):
            continue
        metadata[name] = field_value(field)
    tensors = []
    for t in reader.tensors:
        data = bytes(t.data.tobytes())
        want, want_type = expected.pop(t.name)
        if t.tensor_type.name != want_type or data != want:
            sys.exit(f"{path.name}: tensor {t.name} differs from the converter's ({t.tensor_type.name} vs {want_type})")
        tensors.append({"name": t.name, "shape": [int(d) for d in t.shape], "type": t.tensor_type.name,
                        "offset": int(t.data_offset), "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()})
    if expected:
        sys.exit(f"{path.name}: tensors missing: {sorted(expected)}")
    return {"alignment": reader.alignment, "metadata": metadata, "tensors": tensors}


result = {
    "gguf_py": getattr(gguf, "__version__", None) or __import__("importlib.metadata").metadata.version("gguf"),
    "model-f16.gguf": check(case / "model-f16.gguf", model_tensors("F16")),
    "model-q8_0.gguf": check(case / "model-q8_0.gguf", model_tensors("Q8_0")),
    "adapter-f16.gguf": check(case / "adapter-f16.gguf", adapter_tensors()),
}
out.parent.mkdir(parents=True, exist_ok=True)
out.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
print(f"every tensor equals the converter's bytes; wrote {out}")
