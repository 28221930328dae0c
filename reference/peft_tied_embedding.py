"""PEFT's logits for a Tuna adapter that trains the embedding of a tied model (modules_to_save).

Regenerate (from the repository root; needs torch, transformers 5.17 and peft 0.21):

    python reference/peft_tied_embedding.py

Loads fixtures/models/llama (tied embeddings) with transformers, applies
fixtures/models/llama/tied_embedding_adapter/ (written by scripts/tied-embedding-adapter.ts:
LoRA on q_proj, v_proj and modules_to_save embed_tokens, ensure_weight_tying true) with
PeftModel.from_pretrained, and writes peft_logits.json next to the adapter: the logits for
fixed ids as written, and for two edited copies with ensure_weight_tying false. With the saved
lm_head.weight still there, PEFT loads it into the base model's tied matrix, so the head is the
trained embedding again (what a PEFT without ensure_weight_tying computes). Without it (what PEFT
writes with ensure_weight_tying false), PEFT applies the trained embedding to the input only and
keeps the original matrix as the output head.
"""

import json
import os
import shutil
import tempfile
import warnings

import peft
import torch
import transformers
from peft import PeftModel
from safetensors.torch import load_file, save_file
from transformers import LlamaForCausalLM

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BASE = os.path.join(ROOT, "fixtures", "models", "llama")
ADAPTER = os.path.join(BASE, "tied_embedding_adapter")
INPUT_IDS = [[5, 17, 33, 90, 2, 64, 101, 7, 2], [127, 3, 44, 2, 2, 81, 12, 60, 99]]


def peft_logits(adapter_dir):
    base = LlamaForCausalLM.from_pretrained(BASE, dtype=torch.float32)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = PeftModel.from_pretrained(base, adapter_dir).eval()
    embed = model.get_input_embeddings()
    head = model.base_model.model.lm_head
    head_weight = head.modules_to_save["default"].weight if hasattr(head, "modules_to_save") else head.weight
    with torch.no_grad():
        logits = model(torch.tensor(INPUT_IDS)).logits
    facts = {
        "head_is_the_adapter_copy": head_weight.data_ptr() == embed.modules_to_save["default"].weight.data_ptr(),
        "head_is_the_base_matrix": head_weight.data_ptr() == embed.original_module.weight.data_ptr(),
        "warnings": sorted({str(w.message).split(".")[0] for w in caught}),
    }
    return logits, facts


def edited_logits(tmp, name, drop_head_key):
    """The adapter with ensure_weight_tying false, and without the saved lm_head.weight if asked."""
    folder = os.path.join(tmp, name)
    shutil.copytree(ADAPTER, folder)
    path = os.path.join(folder, "adapter_config.json")
    with open(path) as f:
        config = json.load(f)
    config["ensure_weight_tying"] = False
    with open(path, "w") as f:
        json.dump(config, f)
    if drop_head_key:
        weights = os.path.join(folder, "adapter_model.safetensors")
        tensors = load_file(weights)
        del tensors["base_model.model.lm_head.weight"]
        save_file(tensors, weights, metadata={"format": "pt"})
    return peft_logits(folder)


def main():
    torch.set_num_threads(1)
    tied, tied_facts = peft_logits(ADAPTER)
    with tempfile.TemporaryDirectory() as tmp:
        kept, kept_facts = edited_logits(tmp, "with-head-key", drop_head_key=False)
        untied, untied_facts = edited_logits(tmp, "without-head-key", drop_head_key=True)
    with torch.no_grad():
        base = LlamaForCausalLM.from_pretrained(BASE, dtype=torch.float32)(torch.tensor(INPUT_IDS)).logits
    out = {
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__, "peft": peft.__version__},
        "input_ids": INPUT_IDS,
        "shape": list(tied.shape),
        # float32 values as Python floats (exact), row-major (B, T, V).
        "logits": [float(v) for v in tied.flatten()],
        # ensure_weight_tying false and no lm_head.weight: the original matrix as the head.
        "untied_head_logits": [float(v) for v in untied.flatten()],
        "facts": {
            "as_written": tied_facts,
            "ensure_weight_tying_false_with_head_key": kept_facts,
            "ensure_weight_tying_false_without_head_key": untied_facts,
        },
        "max_abs_diff_from_as_written": {
            "ensure_weight_tying_false_with_head_key": float((kept - tied).abs().max()),
            "ensure_weight_tying_false_without_head_key": float((untied - tied).abs().max()),
            "base_model_without_adapter": float((base - tied).abs().max()),
        },
    }
    target = os.path.join(ADAPTER, "peft_logits.json")
    with open(target, "w") as f:
        json.dump(out, f)
        f.write("\n")
    print(json.dumps({k: out[k] for k in ("versions", "facts", "max_abs_diff_from_as_written")}, indent=1))
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
