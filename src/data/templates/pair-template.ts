import type { Example, ExampleKind, PairExample } from '../format/example.js';
import { mergeSegments, unsupportedExample } from '../tokenize/segments.js';
import type { PromptAndReference, PromptTemplate, RenderedExample } from '../tokenize/segments.js';

/** The question text of a pair for templates with no separate input slot: Alpaca's input follows the instruction. */
export function questionText(pair: PairExample): string {
  return pair.context === undefined ? pair.prompt : `${pair.prompt}\n\n${pair.context}`;
}

/**
 * A template whose prompt is a function of a pair and whose trained part is the answer, exactly.
 * Both render and renderPrompt call `prompt`, so training and generation see the same text.
 */
export function pairTemplate(name: string, prompt: (pair: PairExample) => string): PromptTemplate {
  const supports: readonly ExampleKind[] = ['pair'];
  const asPair = (example: Example): PairExample => {
    if (example.kind !== 'pair') throw unsupportedExample(name, example.kind);
    return example;
  };
  return {
    name,
    supports,
    render(example: Example): RenderedExample {
      const pair = asPair(example);
      return {
        segments: mergeSegments([
          { text: prompt(pair), trained: false },
          { text: pair.answer, trained: true },
        ]),
        appendEos: true,
      };
    },
    renderPrompt(example: Example): PromptAndReference {
      const pair = asPair(example);
      return { prompt: prompt(pair), reference: pair.answer };
    },
  };
}
