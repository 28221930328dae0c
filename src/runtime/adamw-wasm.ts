// The AdamW kernels as a small WebAssembly module with 4-lane SIMD, assembled here from its
// instructions. Over one imported memory it exports
//   sumsq(ptr, n4) -> f64: the sum of squares of n4 * 4 float32 values at byte offset ptr
//     (squared and summed in float64, as sumOfSquares does);
//   update(p, m, v, g, n4, beta1, beta2, first, second, stepSize, invSqrtBc2, eps, keep):
//     adamwUpdate's step in float32 (as torch computes it) over n4 * 4 elements.
// A JavaScript loop over typed arrays runs at about 7-10 ns per element here, far from memory
// speed; this one moves the same 28 bytes per element in about 2 ns (measured).

const I32 = 0x7f;
const F32 = 0x7d;
const F64 = 0x7c;
const V128 = 0x7b;

const op = {
  block: 0x02, loop: 0x03, end: 0x0b, brIf: 0x0d, localGet: 0x20, localSet: 0x21, localTee: 0x22,
  i32Const: 0x41, i32GeU: 0x4f, i32LtU: 0x49, i32Add: 0x6a, i32Shl: 0x74, f64Add: 0xa0,
} as const;

// SIMD instructions: the 0xfd prefix, then the opcode as unsigned LEB128.
const simd = {
  load: 0x00, store: 0x0b, shuffle: 0x0d, f32x4Splat: 0x13, f64x2ExtractLane: 0x21, f64x2PromoteLow: 0x5f,
  f32x4Sqrt: 0xe3, f32x4Add: 0xe4, f32x4Sub: 0xe5, f32x4Mul: 0xe6, f32x4Div: 0xe7, f64x2Add: 0xf0, f64x2Mul: 0xf2,
} as const;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => [...uleb(s.length), ...Buffer.from(s, 'utf8')];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const get = (i: number) => [op.localGet, ...uleb(i)];
const set = (i: number) => [op.localSet, ...uleb(i)];
const tee = (i: number) => [op.localTee, ...uleb(i)];
const i32 = (n: number) => [op.i32Const, ...uleb(n)]; // small non-negative constants only
const v = (code: number, ...immediates: number[]) => [0xfd, ...uleb(code), ...immediates];
// 16-byte aligned accesses (align exponent 4), no offset.
const load = () => v(simd.load, 4, 0);
const store = () => v(simd.store, 4, 0);

/** A loop over byte offsets `counter` from its value up to `limit` in steps of 16. */
function loop16(counter: number, limit: number, body: number[]): number[] {
  return [
    op.block, 0x40, ...get(counter), ...get(limit), op.i32GeU, op.brIf, 0,
    op.loop, 0x40, ...body,
    ...get(counter), ...i32(16), op.i32Add, ...tee(counter), ...get(limit), op.i32LtU, op.brIf, 0,
    op.end, op.end,
  ];
}

function sumsqBody(): number[] {
  // params: 0 ptr, 1 n4; locals: 2 end (i32), 3 acc low lanes, 4 acc high lanes, 5 x, 6 x as f64x2
  const [ptr, n4, end, accLo, accHi, x, wide] = [0, 1, 2, 3, 4, 5, 6];
  const swapHalves = [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];
  const accumulate = (acc: number) => [...get(acc), ...get(wide), ...get(wide), ...v(simd.f64x2Mul), ...v(simd.f64x2Add), ...set(acc)];
  const code = [
    ...get(ptr), ...get(n4), ...i32(4), op.i32Shl, op.i32Add, ...set(end),
    ...loop16(ptr, end, [
      ...get(ptr), ...load(), ...set(x),
      ...get(x), ...v(simd.f64x2PromoteLow), ...set(wide), ...accumulate(accLo),
      ...get(x), ...get(x), ...v(simd.shuffle, ...swapHalves), ...v(simd.f64x2PromoteLow), ...set(wide), ...accumulate(accHi),
    ]),
    ...get(accLo), ...get(accHi), ...v(simd.f64x2Add), ...set(accLo),
    ...get(accLo), ...v(simd.f64x2ExtractLane, 0), ...get(accLo), ...v(simd.f64x2ExtractLane, 1), op.f64Add,
  ];
  return [...vec([[...uleb(1), I32], [...uleb(4), V128]]), ...code, op.end];
}

function updateBody(): number[] {
  // params: 0 p, 1 m, 2 v, 3 g, 4 n4, 5..12 beta1 beta2 first second stepSize invSqrtBc2 eps keep (f32)
  // locals: 13 offset, 14 end (i32); 15..22 the scalars splatted; 23 g, 24 new m, 25 new v
  const [p, m, vv, g, n4] = [0, 1, 2, 3, 4];
  const [offset, end] = [13, 14];
  const splat = (k: number) => 15 + (k - 5);
  const [b1, b2, first, second, stepSize, invSqrtBc2, eps, keep] = [5, 6, 7, 8, 9, 10, 11, 12].map(splat) as number[];
  const [gi, mi, vi] = [23, 24, 25];
  const at = (base: number) => [...get(base), ...get(offset), op.i32Add];
  const code = [
    ...[5, 6, 7, 8, 9, 10, 11, 12].flatMap((k) => [...get(k), ...v(simd.f32x4Splat), ...set(splat(k))]),
    ...get(n4), ...i32(4), op.i32Shl, ...set(end),
    ...loop16(offset, end, [
      ...at(g), ...load(), ...set(gi),
      // m <- beta1 m + first g
      ...at(m), ...get(b1!), ...at(m), ...load(), ...v(simd.f32x4Mul), ...get(first!), ...get(gi), ...v(simd.f32x4Mul), ...v(simd.f32x4Add), ...tee(mi), ...store(),
      // v <- beta2 v + second g g
      ...at(vv), ...get(b2!), ...at(vv), ...load(), ...v(simd.f32x4Mul),
      ...get(second!), ...get(gi), ...v(simd.f32x4Mul), ...get(gi), ...v(simd.f32x4Mul), ...v(simd.f32x4Add), ...tee(vi), ...store(),
      // p <- p keep - stepSize m / (sqrt(v) invSqrtBc2 + eps)
      ...at(p), ...at(p), ...load(), ...get(keep!), ...v(simd.f32x4Mul),
      ...get(stepSize!), ...get(mi), ...v(simd.f32x4Mul),
      ...get(vi), ...v(simd.f32x4Sqrt), ...get(invSqrtBc2!), ...v(simd.f32x4Mul), ...get(eps!), ...v(simd.f32x4Add),
      ...v(simd.f32x4Div), ...v(simd.f32x4Sub), ...store(),
    ]),
  ];
  return [...vec([[...uleb(2), I32], [...uleb(11), V128]]), ...code, op.end];
}

/** The module's bytes (compiled once per thread with `new WebAssembly.Module`). */
export function adamwWasmBytes(): Uint8Array {
  const types = vec([
    [0x60, ...vec([[I32], [I32]]), ...vec([[F64]])],
    [0x60, ...vec([...Array(5).fill([I32]), ...Array(8).fill([F32])]), ...vec([])],
  ]);
  const imports = vec([[...name('env'), ...name('memory'), 0x02, 0x00, ...uleb(0)]]);
  const functions = vec([uleb(0), uleb(1)]);
  const exports = vec([[...name('sumsq'), 0x00, ...uleb(0)], [...name('update'), 0x00, ...uleb(1)]]);
  const bodies = [sumsqBody(), updateBody()].map((b) => [...uleb(b.length), ...b]);
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, types), ...section(2, imports), ...section(3, functions), ...section(7, exports), ...section(10, vec(bodies)),
  ]);
}
