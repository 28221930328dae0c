import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { recomputation, trainOptionsSchema } from './options.js';

describe('train options', () => {
  it('recomputes whole layers for QLoRA, selected values for full fine-tuning and nothing for LoRA by default', () => {
    const auto = (method: 'lora' | 'qlora' | 'full') => {
      const o = trainOptionsSchema.parse({ model: 'm', data: 'd', out: 'o', method });
      return recomputation(o.method, o.gradientCheckpointing);
    };
    assert.deepEqual([auto('qlora'), auto('full'), auto('lora')], ['on', 'selective', 'off']);
    assert.equal(recomputation('lora', 'selective'), 'selective');
    assert.equal(recomputation('qlora', 'off'), 'off');
    assert.throws(() => trainOptionsSchema.parse({ model: 'm', data: 'd', out: 'o', gradientCheckpointing: 'some' }));
  });
});
