/** Block sizes bitsandbytes accepts (functional.py quantize_4bit / quantize_blockwise). */
import { TunaInputError } from '../../errors.js';

export const NF4_BLOCKSIZES: readonly number[] = [32, 64, 128, 256, 512, 1024, 2048, 4096];
export const BLOCKWISE_8BIT_BLOCKSIZES: readonly number[] = [64, 128, 256, 512, 1024, 2048, 4096];

/** `where` names the option or file field the value came from. */
export function checkNf4Blocksize(blocksize: number, where = 'NF4 blocksize'): number {
  if (!NF4_BLOCKSIZES.includes(blocksize)) {
    throw new TunaInputError(
      `${where} is ${blocksize}; bitsandbytes accepts one of ${NF4_BLOCKSIZES.join(', ')} (64 is the QLoRA default)`,
    );
  }
  return blocksize;
}

export function checkBlockwise8bitBlocksize(blocksize: number, where = '8-bit blocksize'): number {
  if (!BLOCKWISE_8BIT_BLOCKSIZES.includes(blocksize)) {
    throw new TunaInputError(
      `${where} is ${blocksize}; bitsandbytes accepts one of ${BLOCKWISE_8BIT_BLOCKSIZES.join(', ')} (256 for double quantization)`,
    );
  }
  return blocksize;
}
