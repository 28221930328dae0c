import type { Example } from '../format/example.js';
import { mergeSegments, unsupportedExample } from '../tokenize/segments.js';
import type { PromptAndReference, PromptTemplate, RenderedExample } from '../tokenize/segments.js';
import { questionText } from './pair-template.js';

function plainPrompt(example: Example): PromptAndReference {
  if (example.kind === 'text') return { prompt: '', reference: example.text };
  if (example.kind !== 'pair') throw unsupportedExample('plain', example.kind);
  return { prompt: questionText(example), reference: example.answer };
}

/**
 * No added text: a pair is its prompt immediately followed by its answer (the answer trained,
 * as TRL and MLX treat prompt/completion data, so put any separator in the data), and a text
 * example is its text, all trained. Both end with EOS.
 */
export const plainTemplate: PromptTemplate = {
  name: 'plain',
  supports: ['pair', 'text'],
  render(example: Example): RenderedExample {
    const { prompt, reference } = plainPrompt(example);
    return {
      segments: mergeSegments([
        { text: prompt, trained: false },
        { text: reference, trained: true },
      ]),
      appendEos: true,
    };
  },
  renderPrompt: plainPrompt,
};
