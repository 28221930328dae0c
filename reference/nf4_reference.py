"""Reference fixtures for Tuna's bitsandbytes-compatible NF4 and 8-bit blockwise quantization.

Regenerate (from the repository root, a few seconds on CPU):

    /usr/bin/python3 reference/nf4_reference.py

Writes fixtures/nf4/nf4_reference.json. Needs only PyTorch (Debian's python3-torch
1.13 is enough) and numpy. Written from the definitions in bitsandbytes
functional.py (create_dynamic_map, quantize_blockwise, quantize_4bit, QuantState.as_dict)
and its pure-PyTorch backend; see reference/README.md for the choices where backends differ.
"""

import base64
import json
import os
from fractions import Fraction

import numpy as np
import torch

NF4_TABLE = [
    -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
    -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0,
    0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
    0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0,
]
NESTED_BLOCKSIZE = 256
# Smallest absmax used as a divisor, as the pure-PyTorch backend clamps it.
TINY_ABSMAX = 1e-38

OUT_PATH = os.path.join(os.path.dirname(__file__), "..", "fixtures", "nf4", "nf4_reference.json")


def f32(value):
    return float(np.float32(value))


def linspace_f32(start, end, steps):
    """torch.linspace for float32 as PyTorch >= 2.0 computes it on CPU: a scalar loop,
    start + step*i below halfway and end - step*(steps-1-i) above, each rounded once
    (the compiler fuses the multiply-add). Torch 1.13's vectorised path rounds
    differently, so it is not called here."""
    start, end = f32(start), f32(end)
    step = f32(f32(end - start) / f32(steps - 1))
    out = []
    for i in range(steps):
        if i < steps // 2:
            exact = Fraction(start) + Fraction(step) * i
        else:
            exact = Fraction(end) - Fraction(step) * (steps - 1 - i)
        as_double = float(exact)
        assert Fraction(as_double) == exact, "fused result must be exact in double"
        out.append(f32(as_double))
    return torch.tensor(out, dtype=torch.float32)


def create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8):
    data = []
    non_sign_bits = total_bits - 1
    additional_items = 2 ** (non_sign_bits - max_exponent_bits) - 1
    i = 0
    for i in range(max_exponent_bits):
        if signed:
            fraction_items = 2 ** (i + non_sign_bits - max_exponent_bits) + 1
        else:
            fraction_items = 2 ** (i + non_sign_bits - max_exponent_bits + 1) + 1
        boundaries = linspace_f32(0.1, 1, fraction_items)
        means = (boundaries[:-1] + boundaries[1:]) / 2.0
        data += ((10 ** (-(max_exponent_bits - 1) + i)) * means).tolist()
        if signed:
            data += (-(10 ** (-(max_exponent_bits - 1) + i)) * means).tolist()
    if additional_items > 0:
        boundaries = linspace_f32(0.1, 1, additional_items + 1)
        means = (boundaries[:-1] + boundaries[1:]) / 2.0
        data += ((10 ** (-(max_exponent_bits - 1) + i)) * means).tolist()
        if signed:
            data += (-(10 ** (-(max_exponent_bits - 1) + i)) * means).tolist()
    data.append(0)
    data.append(1.0)
    assert len(data) == 2**total_bits
    data += [0] * (256 - len(data))
    data.sort()
    return torch.tensor(data, dtype=torch.float32)


def blockwise_absmax_and_scaled(flat, blocksize):
    """Per-block max |x| (0 for an all-zero block) and x * (1 / max(absmax, 1e-38)) in fp32."""
    n = flat.numel()
    blocks = (n + blocksize - 1) // blocksize
    padded = torch.zeros(blocks * blocksize, dtype=torch.float32)
    padded[:n] = flat
    grid = padded.view(blocks, blocksize)
    absmax = grid.abs().max(dim=1).values
    inverse = 1.0 / absmax.clamp(min=TINY_ABSMAX)
    scaled = (grid * inverse.view(-1, 1)).reshape(-1)[:n]
    return absmax, scaled


def nearest_code(scaled, code):
    """Index of the nearest code value; a value exactly between two codes takes the lower."""
    midpoints = (code[:-1] + code[1:]) / 2
    return torch.bucketize(scaled.clamp(-1, 1), midpoints)


def quantize_blockwise_8bit(flat, code, blocksize):
    absmax, scaled = blockwise_absmax_and_scaled(flat, blocksize)
    return nearest_code(scaled, code).to(torch.uint8), absmax


def dequantize_blockwise_8bit(codes, absmax, code, blocksize):
    values = code[codes.long()]
    scale = absmax.repeat_interleave(blocksize)[: values.numel()]
    return values * scale


def quantize_nf4(weights, blocksize, double_quant, dynamic_map):
    flat = weights.reshape(-1).float()
    nf4 = torch.tensor(NF4_TABLE, dtype=torch.float32)
    absmax, scaled = blockwise_absmax_and_scaled(flat, blocksize)
    codes = nearest_code(scaled, nf4).to(torch.uint8)
    if codes.numel() % 2:
        # The odd last element pairs with a padding zero, which is code 7.
        codes = torch.cat([codes, torch.tensor([7], dtype=torch.uint8)])
    packed = (codes[0::2] << 4) | codes[1::2]
    result = {"packed": packed, "absmax": absmax}
    if double_quant:
        # bitsandbytes takes a float32 mean; summing in float64 is its correctly rounded value.
        offset = absmax.double().mean().float()
        nested_codes, nested_absmax = quantize_blockwise_8bit(absmax - offset, dynamic_map, NESTED_BLOCKSIZE)
        result.update(
            {"absmax_codes": nested_codes, "nested_absmax": nested_absmax, "nested_offset": offset}
        )
    return result


def dequantize_nf4(q, n, blocksize, dynamic_map):
    nf4 = torch.tensor(NF4_TABLE, dtype=torch.float32)
    codes = torch.stack([q["packed"] >> 4, q["packed"] & 0xF], dim=1).reshape(-1)[:n]
    if "absmax_codes" in q:
        absmax = dequantize_blockwise_8bit(q["absmax_codes"], q["nested_absmax"], dynamic_map, NESTED_BLOCKSIZE)
        absmax = absmax + q["nested_offset"]
    else:
        absmax = q["absmax"]
    return nf4[codes.long()] * absmax.repeat_interleave(blocksize)[:n]


def quant_state_json(shape, blocksize, dtype, q):
    """The JSON bitsandbytes packs into `weight.quant_state.bitsandbytes__nf4` (json.dumps defaults)."""
    state = {"quant_type": "nf4", "blocksize": blocksize, "dtype": dtype, "shape": list(shape)}
    if "absmax_codes" in q:
        state.update(
            {
                "nested_blocksize": NESTED_BLOCKSIZE,
                "nested_dtype": "float32",
                "nested_offset": q["nested_offset"].item(),
            }
        )
    return json.dumps(state)


def b64(tensor, np_dtype):
    return base64.b64encode(tensor.numpy().astype(np_dtype).tobytes()).decode("ascii")


def edge_case_input():
    """Blocks of 64: all zeros; one huge value; absmax exactly 1 with every NF4 midpoint
    (ties go to the lower code) and the next float above each; then a partial block of 18."""
    generator = torch.Generator().manual_seed(1)
    values = torch.randn(210, generator=generator) * 0.1
    values[0:64] = 0
    values[64 + 17] = 1.0e4
    nf4 = torch.tensor(NF4_TABLE, dtype=torch.float32)
    midpoints = (nf4[:-1] + nf4[1:]) / 2
    above = torch.from_numpy(np.nextafter(midpoints.numpy(), np.float32(2)))
    values[128:192] = torch.linspace(-0.9, 0.9, 64)
    values[128] = 1.0
    values[129:144] = midpoints
    values[144:159] = above
    values[159] = -1.0
    return values.view(3, 70)


def equal_absmax_input():
    """Every block's absmax is exactly 2, so absmax - offset is an all-zero nested block."""
    generator = torch.Generator().manual_seed(2)
    values = torch.rand(256, generator=generator) * 2 - 1
    values[0::64] = 2.0
    return values.view(2, 128)


def nf4_case(name, weights, blocksize, double_quant, dynamic_map, dtype="float32"):
    n = weights.numel()
    q = quantize_nf4(weights, blocksize, double_quant, dynamic_map)
    case = {
        "name": name,
        "shape": list(weights.shape),
        "blocksize": blocksize,
        "double_quant": double_quant,
        "dtype": dtype,
        "input_f32": b64(weights.reshape(-1), np.float32),
        "packed_u8": b64(q["packed"], np.uint8),
        "quant_state_json": quant_state_json(weights.shape, blocksize, dtype, q),
        "dequantized_f32": b64(dequantize_nf4(q, n, blocksize, dynamic_map), np.float32),
    }
    if double_quant:
        case["absmax_u8"] = b64(q["absmax_codes"], np.uint8)
        case["nested_absmax_f32"] = b64(q["nested_absmax"], np.float32)
        case["nested_offset"] = q["nested_offset"].item()
        case["unquantized_absmax_f32"] = b64(q["absmax"], np.float32)
    else:
        case["absmax_f32"] = b64(q["absmax"], np.float32)
    return case


def blockwise_8bit_case(name, values, blocksize, dynamic_map):
    codes, absmax = quantize_blockwise_8bit(values, dynamic_map, blocksize)
    return {
        "name": name,
        "blocksize": blocksize,
        "input_f32": b64(values, np.float32),
        "codes_u8": b64(codes, np.uint8),
        "absmax_f32": b64(absmax, np.float32),
        "dequantized_f32": b64(dequantize_blockwise_8bit(codes, absmax, dynamic_map, blocksize), np.float32),
    }


def blockwise_8bit_inputs(dynamic_map):
    generator = torch.Generator().manual_seed(3)
    normal = torch.randn(600, generator=generator)
    normal[256:512] = 0
    # absmax exactly 1: every midpoint of the map (a tie goes to the lower code) and 1 itself.
    midpoints = (dynamic_map[:-1] + dynamic_map[1:]) / 2
    ties = torch.cat([midpoints, torch.tensor([1.0, -1.0])])
    return normal, ties


def python_float_reprs():
    """repr() of float32 values, as json.dumps writes `nested_offset`."""
    samples = [0.0, 1.0, 2.0, -3.5, 0.1, 1e-05, 1.5e-07, 0.0001, 0.00012345, 123456789.0,
               1e15, 1e16, 3.4e38, 1e-38, 2500.300537109375, 0.14227811992168427, -2.5e-06]
    return [[f32(v), repr(f32(v))] for v in samples]


def main():
    dynamic_map = create_dynamic_map()
    generator = torch.Generator().manual_seed(0)
    normal = torch.randn(8, 96, generator=generator) * 0.05
    odd = torch.randn(5, 77, generator=generator) * 0.02
    many_blocks = torch.randn(11, 757, generator=generator) * 0.03
    normal_8bit, ties_8bit = blockwise_8bit_inputs(dynamic_map)

    legacy_map_differences = int((torch.linspace(0.1, 1, 65) != linspace_f32(0.1, 1, 65)).sum())
    print(f"torch {torch.__version__}: its own linspace(0.1, 1, 65) differs in {legacy_map_differences} entries")

    fixture = {
        "about": "Written by reference/nf4_reference.py; regenerate with /usr/bin/python3 reference/nf4_reference.py",
        "python_float_repr": python_float_reprs(),
        "nf4_table_f32": b64(torch.tensor(NF4_TABLE), np.float32),
        "dynamic_map_f32": b64(dynamic_map, np.float32),
        "nf4_cases": [
            nf4_case("normal_8x96_bs64_double", normal, 64, True, dynamic_map),
            nf4_case("normal_8x96_bs64_plain", normal, 64, False, dynamic_map),
            nf4_case("edges_3x70_bs64_double", edge_case_input(), 64, True, dynamic_map),
            nf4_case("edges_3x70_bs64_plain", edge_case_input(), 64, False, dynamic_map),
            nf4_case("odd_5x77_bs128_double_bf16", odd, 128, True, dynamic_map, dtype="bfloat16"),
            nf4_case("odd_5x77_bs32_plain", odd, 32, False, dynamic_map),
            nf4_case("many_blocks_11x757_bs32_double", many_blocks, 32, True, dynamic_map),
            nf4_case("equal_absmax_2x128_bs64_double", equal_absmax_input(), 64, True, dynamic_map),
        ],
        "blockwise_8bit_cases": [
            blockwise_8bit_case("normal_600_bs256_zero_block", normal_8bit, 256, dynamic_map),
            blockwise_8bit_case("midpoint_ties_257_bs256", ties_8bit, 256, dynamic_map),
            blockwise_8bit_case("normal_600_bs64", normal_8bit, 64, dynamic_map),
        ],
    }
    os.makedirs(os.path.dirname(OUT_PATH), exist_ok=True)
    with open(OUT_PATH, "w") as out:
        json.dump(fixture, out, indent=1)
        out.write("\n")
    print(f"wrote {os.path.normpath(OUT_PATH)} ({os.path.getsize(OUT_PATH)} bytes)")


if __name__ == "__main__":
    main()
