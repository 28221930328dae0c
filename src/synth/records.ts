// The records synth writes, one per kept pair, in a format `tuna inspect` and `tuna prepare`
// detect: {question, answer} (qa), {instruction, input?, response} (instruction), {messages} (chat).
// `source` says where the pair came from; detection and preparation ignore the extra field.
import type { Proposal } from './parse-reply.js';
import type { SynthStyle } from './prompts.js';
import type { PairSource } from './store.js';

export function pairRecord(style: SynthStyle, pair: Proposal, source: PairSource): Record<string, unknown> {
  const question = pair.input ? `${pair.prompt}\n\n${pair.input}` : pair.prompt;
  switch (style) {
    case 'qa':
      return { question, answer: pair.answer, source };
    case 'instruction':
      return { instruction: pair.prompt, ...(pair.input ? { input: pair.input } : {}), response: pair.answer, source };
    case 'chat':
      return { messages: [{ role: 'user', content: question }, { role: 'assistant', content: pair.answer }], source };
  }
}

/** The keys a reply (and an in-context example) uses in a style. */
export function styleKeys(style: SynthStyle): { prompt: string; answer: string } {
  return style === 'instruction' ? { prompt: 'instruction', answer: 'response' } : { prompt: 'question', answer: 'answer' };
}
