// Rows of a 2-D tensor read from its safetensors file on demand. A frozen input embedding stays
// in its file and each batch reads only the rows of its tokens (a 4-bit base then holds no copy
// of the vocabulary table: TinyLlama's is 262 MB in float32), and a large matrix converts to
// float16 a few rows at a time, never held whole in float32.
import { closeSync, openSync, readSync } from 'node:fs';
import { TunaInputError } from '../errors.js';
import { float32ToHalf } from '../io/half-float.js';
import { asFloat32, decodeTensorBytes, dtypeByteSize, type SafetensorsTensorInfo } from '../io/safetensors.js';

export class TensorRows {
  readonly vocab: number;
  readonly hidden: number;
  private readonly rowBytes: number;
  private fd: number | null = null;

  constructor(readonly path: string, readonly info: SafetensorsTensorInfo) {
    [this.vocab, this.hidden] = info.shape as [number, number];
    this.rowBytes = this.hidden * dtypeByteSize(info.dtype);
  }

  /** (rows, hidden) float32 values of the given token ids, in order. */
  rows(ids: readonly number[]): Float32Array {
    const out = new Float32Array(ids.length * this.hidden);
    const bytes = new Uint8Array(this.rowBytes);
    this.fd ??= openSync(this.path, 'r');
    ids.forEach((id, i) => {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocab) {
        throw new TunaInputError(`token id ${id} is outside the vocabulary of ${this.vocab} (${this.info.name} in ${this.path})`);
      }
      const read = readSync(this.fd!, bytes, 0, this.rowBytes, this.info.fileOffset + id * this.rowBytes);
      if (read !== this.rowBytes) throw new TunaInputError(`${this.path}: "${this.info.name}" row ${id} is truncated; the file changed since it was opened`);
      out.set(this.decode(bytes), i * this.hidden);
    });
    return out;
  }

  /** The whole table in float32 (for saving or training it). */
  all(): Float32Array {
    return this.rows(Array.from({ length: this.vocab }, (_, i) => i));
  }

  /** The whole table in float16, converted about 4 MB of rows at a time. */
  half(): Uint16Array {
    const out = new Uint16Array(this.vocab * this.hidden);
    const step = Math.max(1, Math.floor((1 << 20) / this.hidden));
    for (let first = 0; first < this.vocab; first += step) {
      const ids = Array.from({ length: Math.min(step, this.vocab - first) }, (_, i) => first + i);
      out.set(float32ToHalf(this.rows(ids)), first * this.hidden);
    }
    return out;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private decode(bytes: Uint8Array): Float32Array {
    const row = { ...this.info, shape: [this.hidden], byteLength: this.rowBytes };
    return asFloat32(row, decodeTensorBytes(this.info.dtype, bytes.slice()));
  }
}
