import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TunaInputError } from '../errors.js';
import { basePrecision, recomputation, trainOptionsSchema } from './options.js';

describe('train options', () => {
  it('recomputes whole layers for QLoRA, selected values for full fine-tuning and for LoRA on long batches by default', () => {
    const auto = (method: 'lora' | 'qlora' | 'full') => {
      const o = trainOptionsSchema.parse({ model: 'm', data: 'd', out: 'o', method });
      return recomputation(o.method, o.gradientCheckpointing);
    };
    assert.deepEqual([auto('qlora'), auto('full'), auto('lora')], ['on', 'selective', 'long']);
    assert.equal(recomputation('lora', 'selective'), 'selective');
    assert.equal(recomputation('qlora', 'off'), 'off');
    assert.throws(() => trainOptionsSchema.parse({ model: 'm', data: 'd', out: 'o', gradientCheckpointing: 'some' }));
  });

  it('computes a QLoRA base in int8 and a LoRA base in float32 by default, and refuses precisions a method has no use for', () => {
    const auto = (method: 'lora' | 'qlora' | 'full') => basePrecision(method, trainOptionsSchema.parse({ model: 'm', data: 'd', out: 'o', method }).basePrecision);
    assert.deepEqual([auto('qlora'), auto('lora'), auto('full')], ['int8', 'fp32', 'fp32']);
    assert.deepEqual([basePrecision('lora', 'int8'), basePrecision('qlora', 'nf4'), basePrecision('full', 'fp32')], ['int8', 'nf4', 'fp32']);
    for (const [method, setting] of [['lora', 'nf4'], ['qlora', 'fp32'], ['full', 'int8']] as const) {
      assert.throws(() => basePrecision(method, setting), (e: Error) => e instanceof TunaInputError && e.message.includes(`--base-precision ${setting}`));
    }
  });
});
