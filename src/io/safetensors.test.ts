/** Safetensors round trips, reference byte layouts and dtype decoding. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dtypeByteSize, openSafetensors, writeSafetensors } from './safetensors.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tuna-safetensors-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('matches the reference serialisation byte for byte (safetensors test_serialization_forced_alignement)', async () => {
  const path = join(dir, 'golden.safetensors');
  await writeSafetensors(path, { attn0: { dtype: 'F32', shape: [1, 1, 2, 3], data: Float32Array.of(0, 1, 2, 3, 4, 5) } });
  const header = '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       ';
  const expected = Buffer.concat([
    Buffer.from([72, 0, 0, 0, 0, 0, 0, 0]),
    Buffer.from(header),
    Buffer.from(Float32Array.of(0, 1, 2, 3, 4, 5).buffer),
  ]);
  assert.deepEqual(await readFile(path), expected);
});

test('empty files match the reference, with and without metadata (safetensors test_empty)', async () => {
  const bare = join(dir, 'empty.safetensors');
  await writeSafetensors(bare, {});
  assert.deepEqual(await readFile(bare), Buffer.from([8, 0, 0, 0, 0, 0, 0, 0, ...Buffer.from('{}      ')]));
  const withMetadata = join(dir, 'empty-meta.safetensors');
  await writeSafetensors(withMetadata, {}, { framework: 'pt' });
  const header = '{"__metadata__":{"framework":"pt"}}     ';
  assert.deepEqual(await readFile(withMetadata), Buffer.concat([Buffer.from([40, 0, 0, 0, 0, 0, 0, 0]), Buffer.from(header)]));
  const file = await openSafetensors(withMetadata);
  assert.deepEqual(file.tensors, []);
  assert.deepEqual(file.metadata, { framework: 'pt' });
});

test('orders tensors by descending dtype alignment, then by name, like the reference writer', async () => {
  const path = join(dir, 'order.safetensors');
  await writeSafetensors(path, {
    'b.mask': { dtype: 'BOOL', shape: [3], data: Uint8Array.of(1, 0, 1) },
    '10': { dtype: 'F32', shape: [1], data: Float32Array.of(1) },
    'a.ids': { dtype: 'I64', shape: [2], data: BigInt64Array.of(-1n, 2n ** 40n) },
    '2': { dtype: 'F32', shape: [1], data: Float32Array.of(2) },
    'h': { dtype: 'F16', shape: [2], data: Float32Array.of(1, -2) },
  });
  const file = await openSafetensors(path);
  assert.deepEqual(
    file.tensors.map((t) => t.name),
    ['a.ids', '10', '2', 'h', 'b.mask'],
  );
  const bytes = await readFile(path);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  assert.equal(headerLength % 8, 0);
  assert.match(bytes.subarray(8, 8 + headerLength).toString(), /^\{"a\.ids":.*"b\.mask":\{[^}]*\}\} *$/);
  for (const tensor of file.tensors) {
    assert.equal((tensor.fileOffset - 8 - headerLength) % dtypeByteSize(tensor.dtype), 0, `${tensor.name} is aligned`);
  }
});

test('reads every dtype back as its typed array, by offset', async () => {
  const path = join(dir, 'dtypes.safetensors');
  const tensors = {
    f32: { dtype: 'F32' as const, shape: [2, 2], data: Float32Array.of(1.5, -2, 0, 3.25) },
    f64: { dtype: 'F64' as const, shape: [2], data: Float64Array.of(Math.PI, -1e300) },
    i64: { dtype: 'I64' as const, shape: [3], data: BigInt64Array.of(-(2n ** 62n), 0n, 7n) },
    i32: { dtype: 'I32' as const, shape: [2], data: Int32Array.of(-5, 2 ** 31 - 1) },
    u8: { dtype: 'U8' as const, shape: [2], data: Uint8Array.of(0, 255) },
    bool: { dtype: 'BOOL' as const, shape: [3], data: Uint8Array.of(1, 0, 1) },
    scalar: { dtype: 'F32' as const, shape: [], data: Float32Array.of(42) },
    none: { dtype: 'F32' as const, shape: [0, 4], data: new Float32Array(0) },
  };
  await writeSafetensors(path, tensors, { format: 'pt' });
  const file = await openSafetensors(path);
  assert.deepEqual(file.metadata, { format: 'pt' });
  for (const [name, tensor] of Object.entries(tensors)) {
    const data = await file.read(name);
    assert.equal(data.constructor, tensor.data.constructor, name);
    assert.deepEqual(data, tensor.data, name);
    assert.deepEqual(file.info(name).shape, tensor.shape, name);
    assert.equal(file.info(name).byteLength, tensor.data.byteLength, name);
  }
  assert.deepEqual(await file.readRaw('i32'), new Uint8Array(Int32Array.of(-5, 2 ** 31 - 1).buffer));
  assert.deepEqual(await file.readFloat32('f64'), Float32Array.of(Math.PI, -Infinity));
  await assert.rejects(file.readFloat32('i32'), /tensor "i32" is I32, not a floating-point tensor/);
  assert.equal(file.has('nope'), false);
  await assert.rejects(file.read('nope'), /tensor "nope" is not in .*dtypes\.safetensors/);
});

test('float16 and bfloat16 round trip through known bit patterns', async () => {
  const path = join(dir, 'half.safetensors');
  const values = Float32Array.of(1, -2, 65504, 2 ** -24, Infinity, -0, 1 + 2 ** -11, 0.1);
  await writeSafetensors(path, {
    h: { dtype: 'F16', shape: [8], data: values },
    b: { dtype: 'BF16', shape: [8], data: values },
    bits: { dtype: 'F16', shape: [2], data: Uint16Array.of(0x0001, 0x7e00) },
  });
  const file = await openSafetensors(path);
  assert.deepEqual(
    Array.from(new Uint16Array((await file.readRaw('h')).buffer)),
    [0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00, 0x8000, 0x3c00, 0x2e66],
  );
  assert.deepEqual(
    Array.from(new Uint16Array((await file.readRaw('b')).buffer)),
    [0x3f80, 0xc000, 0x4780, 0x3380, 0x7f80, 0x8000, 0x3f80, 0x3dcd],
  );
  assert.deepEqual(Array.from(await file.readFloat32('h')), [1, -2, 65504, 2 ** -24, Infinity, -0, 1, 0.0999755859375]);
  assert.deepEqual(Array.from(await file.readFloat32('b')), [1, -2, 65536, 2 ** -24, Infinity, -0, 1, 0.10009765625]);
  const bits = await file.read('bits');
  assert.equal(bits[0], 2 ** -24);
  assert.ok(Number.isNaN(bits[1]));
});

test('raw bytes pass through unchanged for any dtype', async () => {
  const path = join(dir, 'raw.safetensors');
  const source = join(dir, 'half.safetensors');
  const raw = await (await openSafetensors(source)).readRaw('b');
  await writeSafetensors(path, { copy: { dtype: 'BF16', shape: [2, 4], data: raw } });
  assert.deepEqual(await (await openSafetensors(path)).readRaw('copy'), raw);
});

test('the writer rejects data that does not fit the shape or dtype, naming the tensor', async () => {
  const path = join(dir, 'bad.safetensors');
  await assert.rejects(
    writeSafetensors(path, { w: { dtype: 'F32', shape: [2, 3], data: new Float32Array(5) } }),
    /tensor "w": shape \[2, 3\] has 6 elements but the data has 5/,
  );
  await assert.rejects(
    writeSafetensors(path, { w: { dtype: 'I32', shape: [2], data: Float32Array.of(1, 2) } }),
    /tensor "w": cannot store a Float32Array as I32/,
  );
  await assert.rejects(
    writeSafetensors(path, { w: { dtype: 'F32', shape: [2], data: new Uint8Array(7) } }),
    /tensor "w": F32 shape \[2\] needs 8 bytes but the raw data has 7/,
  );
  assert.deepEqual((await readdir(dir)).filter((name) => name.startsWith('bad')), []);
});
