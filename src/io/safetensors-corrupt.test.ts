/** Every way a safetensors file can be broken yields a TunaInputError naming the file and tensor. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TunaInputError } from '../errors.js';
import { openSafetensors, writeSafetensors } from './safetensors.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tuna-safetensors-corrupt-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A file with the given header text (unpadded) and `dataBytes` zero bytes of data. */
async function craft(name: string, header: string, dataBytes: number, declaredLength?: bigint): Promise<string> {
  const json = Buffer.from(header);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(declaredLength ?? BigInt(json.length));
  const path = join(dir, name);
  await writeFile(path, Buffer.concat([length, json, Buffer.alloc(dataBytes)]));
  return path;
}

const entry = (dtype: string, shape: number[], begin: number, end: number) => ({ dtype, shape, data_offsets: [begin, end] });

async function rejectsWith(path: string, pattern: RegExp) {
  await assert.rejects(openSafetensors(path), (error: Error) => {
    assert.ok(error instanceof TunaInputError, `expected TunaInputError, got ${error.name}: ${error.message}`);
    assert.ok(error.message.includes(path), `message names the file: ${error.message}`);
    assert.match(error.message, pattern);
    return true;
  });
}

test('a file shorter than the 8-byte length is truncated', async () => {
  const path = join(dir, 'tiny.safetensors');
  await writeFile(path, Buffer.from([1, 2, 3]));
  await rejectsWith(path, /3 bytes, too short .* truncated/);
});

test('a header length larger than the file', async () => {
  const path = await craft('long-header.safetensors', '{}', 0, 4096n);
  await rejectsWith(path, /header length 4096 is larger than the file \(10 bytes\)/);
  const huge = await craft('huge-header.safetensors', '{}', 0, 2n ** 63n);
  await rejectsWith(huge, /exceeds the 100000000-byte limit/);
});

test('a header that is not JSON, or not an object', async () => {
  await rejectsWith(await craft('not-json.safetensors', '{"w": {"dtype": "F32",', 0), /header is not valid JSON/);
  await rejectsWith(await craft('array.safetensors', '[1, 2]', 0), /must be a JSON object/);
  const path = join(dir, 'bad-utf8.safetensors');
  await writeFile(path, Buffer.concat([Buffer.from([2, 0, 0, 0, 0, 0, 0, 0]), Buffer.from([0xff, 0xfe])]));
  await rejectsWith(path, /not valid UTF-8/);
});

test('a file cut short in the data section', async () => {
  const path = join(dir, 'cut.safetensors');
  await writeSafetensors(path, { 'layer.weight': { dtype: 'F32', shape: [4], data: new Float32Array(4) } });
  await truncate(path, (await stat(path)).size - 4);
  await rejectsWith(path, /tensor "layer\.weight" .*end at 16 but the file holds only 12 data bytes.*truncated/);
});

test('offsets past the end of the file', async () => {
  const header = JSON.stringify({ a: entry('F32', [2], 0, 8), b: entry('F32', [2], 8, 16) });
  await rejectsWith(await craft('past-end.safetensors', header, 8), /tensor "b" .*end at 16 but the file holds only 8 data bytes/);
});

test('overlapping, gapped and backwards offsets', async () => {
  const overlap = JSON.stringify({ a: entry('F32', [2], 0, 8), b: entry('F32', [2], 4, 12) });
  await rejectsWith(await craft('overlap.safetensors', overlap, 12), /tensor "b" .*\[4, 12\] overlap tensor "a"/);
  const gap = JSON.stringify({ a: entry('F32', [1], 0, 4), b: entry('F32', [1], 8, 12) });
  await rejectsWith(await craft('gap.safetensors', gap, 12), /tensor "b" .*start at 8 but the previous tensor ends at 4/);
  const backwards = JSON.stringify({ a: entry('F32', [1], 8, 4) });
  await rejectsWith(await craft('backwards.safetensors', backwards, 8), /tensor "a" .*\[8, 4\] end before they begin/);
});

test('tensors listed out of offset order in the JSON are fine, as in the reference', async () => {
  const header = JSON.stringify({ b: entry('U8', [2], 2, 4), a: entry('U8', [2], 0, 2) });
  const file = await openSafetensors(await craft('unordered.safetensors', header, 4));
  assert.deepEqual(file.tensors.map((t) => t.name), ['a', 'b']);
});

test('an unknown dtype', async () => {
  const header = JSON.stringify({ w: entry('F12', [1], 0, 2) });
  await rejectsWith(await craft('dtype.safetensors', header, 2), /tensor "w" .*unknown dtype "F12"; known dtypes: BOOL, U8/);
});

test('a shape that does not match the byte length', async () => {
  const header = JSON.stringify({ w: entry('F16', [2, 3], 0, 8) });
  await rejectsWith(await craft('shape.safetensors', header, 8), /tensor "w" .*shape \[2, 3\] of F16 needs 12 bytes but .* span 8/);
});

test('malformed entries and metadata', async () => {
  const noOffsets = JSON.stringify({ w: { dtype: 'F32', shape: [1] } });
  await rejectsWith(await craft('no-offsets.safetensors', noOffsets, 4), /tensor "w" .*"data_offsets" must be \[begin, end\]/);
  const badShape = JSON.stringify({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } });
  await rejectsWith(await craft('neg-shape.safetensors', badShape, 4), /tensor "w" .*"shape" must be an array of non-negative/);
  const metadata = JSON.stringify({ __metadata__: { step: 3 } });
  await rejectsWith(await craft('metadata.safetensors', metadata, 0), /"__metadata__\.step" must be a string/);
});

test('bytes after the last tensor', async () => {
  const header = JSON.stringify({ w: entry('U8', [2], 0, 2) });
  await rejectsWith(await craft('trailing.safetensors', header, 5), /cover 2 data bytes but the file holds 5/);
});

test('a missing file', async () => {
  await rejectsWith(join(dir, 'absent.safetensors'), /no such file/);
});
