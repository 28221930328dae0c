/** Typed, checked access to one layer's stored tensors, with errors naming file and key. */
import { TunaInputError } from '../../errors.js';

/** A stored tensor as a reader returns it: F32 data may also be its raw little-endian bytes. */
export interface StoredTensor {
  dtype: string;
  shape: readonly number[];
  data: ArrayBufferView;
}

/** What a tensor must hold: its length, and words for the error when it does not. */
export interface ExpectedLength {
  length: number;
  what: string;
}

export class LayerTensorReader {
  constructor(
    private readonly tensors: Readonly<Record<string, StoredTensor>>,
    /** Key prefix with its trailing dot, or '' at the top level. */
    readonly prefix: string,
    /** Where the tensors came from (a file path), for error messages. */
    readonly source: string,
  ) {}

  key(suffix: string): string {
    return `${this.prefix}${suffix}`;
  }

  has(suffix: string): boolean {
    return this.tensors[this.key(suffix)] !== undefined;
  }

  fail(message: string): never {
    throw new TunaInputError(`${this.source}: ${message}`);
  }

  /** `why` says what the tensor holds, to explain why its absence is an error. */
  u8(suffix: string, why: string, expected?: ExpectedLength): Uint8Array {
    const tensor = this.get(suffix, why);
    if (tensor.dtype !== 'U8' || !(tensor.data instanceof Uint8Array)) this.wrongDtype(suffix, tensor.dtype, 'U8 (uint8)');
    return this.checked(suffix, tensor.data, expected);
  }

  f32(suffix: string, why: string, expected: ExpectedLength): Float32Array {
    const tensor = this.get(suffix, why);
    if (tensor.dtype !== 'F32') this.wrongDtype(suffix, tensor.dtype, 'F32 (float32)');
    const { data } = tensor;
    if (data instanceof Float32Array) return this.checked(suffix, data, expected);
    if (!(data instanceof Uint8Array) || data.byteLength % 4 !== 0) {
      this.fail(`tensor "${this.key(suffix)}" holds ${data.byteLength} bytes of ${data.constructor.name}, not float32 data`);
    }
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const values = new Float32Array(data.byteLength / 4);
    for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(i * 4, true);
    return this.checked(suffix, values, expected);
  }

  private get(suffix: string, why: string): StoredTensor {
    const tensor = this.tensors[this.key(suffix)];
    if (tensor === undefined) this.fail(`tensor "${this.key(suffix)}" is missing; ${why}`);
    return tensor;
  }

  private wrongDtype(suffix: string, dtype: string, expected: string): never {
    return this.fail(`tensor "${this.key(suffix)}" has dtype ${dtype}; bitsandbytes stores it as ${expected}`);
  }

  private checked<T extends Uint8Array | Float32Array>(suffix: string, values: T, expected?: ExpectedLength): T {
    if (expected !== undefined && values.length !== expected.length) {
      this.fail(
        `tensor "${this.key(suffix)}" has ${values.length} values where ${expected.length} ${expected.what} are expected; ` +
          'the file is damaged or the tensor belongs to another layer',
      );
    }
    return values;
  }
}
