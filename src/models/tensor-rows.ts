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
    ids.forEach((id, i) => {
      this.checkId(id);
      out.set(this.range(id, 1), i * this.hidden);
    });
    return out;
  }

  private checkId(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocab) {
      throw new TunaInputError(`token id ${id} is outside the vocabulary of ${this.vocab} (${this.info.name} in ${this.path})`);
    }
  }

  /** The whole table in float32 (for saving or training it). */
  all(): Float32Array {
    return this.range(0, this.vocab);
  }

  /** The whole table in float16, converted about 4 MB of rows at a time. */
  half(): Uint16Array {
    const out = new Uint16Array(this.vocab * this.hidden);
    const step = Math.max(1, Math.floor((1 << 20) / this.hidden));
    for (let first = 0; first < this.vocab; first += step) {
      out.set(float32ToHalf(this.range(first, Math.min(step, this.vocab - first))), first * this.hidden);
    }
    return out;
  }

  /**
   * For each id, the other ids whose row holds the same bytes (equal values: a frozen output head
   * gives them the same logit). One pass over the table, about 4 MB of rows at a time.
   */
  twins(ids: readonly number[]): Map<number, number[]> {
    const wanted = [...new Set(ids)];
    for (const id of wanted) this.checkId(id);
    const refs = wanted.map((id) => Buffer.from(this.bytes(id, 1)));
    const out = new Map<number, number[]>(wanted.map((id) => [id, []]));
    const step = Math.max(1, Math.floor((4 << 20) / this.rowBytes));
    for (let first = 0; first < this.vocab; first += step) {
      const count = Math.min(step, this.vocab - first);
      const chunk = Buffer.from(this.bytes(first, count).buffer);
      for (let r = 0; r < count; r++) {
        const row = chunk.subarray(r * this.rowBytes, (r + 1) * this.rowBytes);
        wanted.forEach((id, i) => {
          if (first + r !== id && row.equals(refs[i]!)) out.get(id)!.push(first + r);
        });
      }
    }
    return out;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  /** `count` consecutive rows from `first`, in one read. */
  private range(first: number, count: number): Float32Array {
    return asFloat32(this.info, decodeTensorBytes(this.info.dtype, this.bytes(first, count)));
  }

  /** The stored bytes of `count` consecutive rows from `first`. */
  private bytes(first: number, count: number): Uint8Array {
    const bytes = new Uint8Array(count * this.rowBytes);
    this.fd ??= openSync(this.path, 'r');
    const read = readSync(this.fd, bytes, 0, bytes.length, this.info.fileOffset + first * this.rowBytes);
    if (read !== bytes.length) throw new TunaInputError(`${this.path}: "${this.info.name}" rows ${first}..${first + count - 1} are truncated; the file changed since it was opened`);
    return bytes;
  }
}
