"""Reference tokenizations for src/tokenizer, written to fixtures/tokenizer/reference-<name>.json.

For each tokenizer folder under fixtures/tokenizer/ (bpe-chatml, bpe-llama, llama-sp) it records, for a
set of tricky strings, the ids the Rust `tokenizers` library gives (with and without special tokens) and
its decoded text, plus the chat templates as transformers renders them (jinja2) and the ids of the
rendered text. The test src/tokenizer/tokenizer-reference.test.ts compares Tuna with these files.

Needs the Python packages tokenizers, transformers and jinja2 (no PyTorch). With the wheels on this
machine's disk:

    python3 -m pip install --target /tmp/pyref --no-index --find-links /opt/pypi/files transformers jinja2
    PYTHONPATH=/tmp/pyref /usr/bin/python3 reference/tokenizer_reference.py
"""

import json
import os
import sys

import jinja2
import tokenizers
import transformers
from tokenizers import Tokenizer
from transformers import AutoTokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "fixtures", "tokenizer")
FOLDERS = ["bpe-chatml", "bpe-llama", "llama-sp"]

STRINGS = [
    "",
    "Hello world",
    " leading space",
    "trailing space ",
    "two  spaces and   three",
    "\n",
    "line one\nline two\n\nline four",
    "\ttab\tseparated",
    "a\r\nb",
    "   ",
    "don't won't it's we'll",
    "1234567890 3.14 -42",
    "café naïve Zürich crème brûlée",
    "e\u0301 versus \u00e9",
    "日本語のテキスト",
    "emoji 😀👍🏽 family 👨\u200d👩\u200d👧 flag 🇫🇷",
    "<|im_start|>user\nhi there<|im_end|>\n",
    "<s>Hello</s>",
    "text with <s> inside and </s> too",
    "<|endoftext|><|endoftext|>",
    "<s><s>double",
    "Ġ and ▁ and <0x41> written out",
    "replacement \ufffd char",
]

CHATS = [
    [{"role": "user", "content": "Hello!"}],
    [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "What is 2+2?"},
        {"role": "assistant", "content": "4"},
        {"role": "user", "content": "And 3+3?"},
    ],
    [
        {"role": "user", "content": "Unicode: café 😀\nnew line"},
        {"role": "assistant", "content": "  spaced answer  "},
    ],
    # Not alternating: the Llama-2 template raises, ChatML renders it.
    [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}],
]


def string_cases(rust, auto):
    cases = []
    for text in STRINGS:
        ids = rust.encode(text, add_special_tokens=True).ids
        plain = rust.encode(text, add_special_tokens=False).ids
        cases.append(
            {
                "text": text,
                "ids": ids,
                "ids_no_special": plain,
                "decoded": rust.decode(ids, skip_special_tokens=False),
                "decoded_skip_special": rust.decode(ids, skip_special_tokens=True),
                "transformers_ids": auto.encode(text),
            }
        )
    return cases


def chat_cases(rust, auto):
    cases = []
    for messages in CHATS:
        for add_generation_prompt in (False, True):
            case = {"messages": messages, "add_generation_prompt": add_generation_prompt}
            try:
                rendered = auto.apply_chat_template(messages, tokenize=False, add_generation_prompt=add_generation_prompt)
                case["rendered"] = rendered
                # apply_chat_template(tokenize=True) encodes without adding special tokens.
                case["ids"] = rust.encode(rendered, add_special_tokens=False).ids
            except jinja2.exceptions.TemplateError as error:
                case["error"] = str(error)
            cases.append(case)
    return cases


def main():
    for name in FOLDERS:
        folder = os.path.join(FIXTURES, name)
        rust = Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
        auto = AutoTokenizer.from_pretrained(folder)
        strings = string_cases(rust, auto)
        if name.startswith("bpe-"):
            # The built tokenizers must load in transformers exactly as tokenizer.json says.
            for case in strings:
                assert case["transformers_ids"] == case["ids"], (name, case["text"])
        out = {
            "generated_by": {
                "tokenizers": tokenizers.__version__,
                "transformers": transformers.__version__,
                "jinja2": jinja2.__version__,
            },
            "special_ids": {
                "bos": auto.bos_token_id,
                "eos": auto.eos_token_id,
                "pad": auto.pad_token_id,
                "unk": auto.unk_token_id,
            },
            "vocab_size": rust.get_vocab_size(with_added_tokens=True),
            "strings": strings,
            "chats": chat_cases(rust, auto),
        }
        path = os.path.join(FIXTURES, f"reference-{name}.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(out, f, ensure_ascii=False, indent=1)
            f.write("\n")
        print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
