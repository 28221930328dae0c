import type { Example } from './example.js';

/** The untrained (prompt) and trained (answer) text of an example, before any template. */
export interface ExampleParts {
  prompt: string[];
  answers: string[];
}

/**
 * Splits an example's own text by role: pair prompt and Alpaca input vs answer; chat messages
 * other than trained assistant turns vs those turns; text is all answer; template fields by answerField.
 */
export function exampleParts(example: Example): ExampleParts {
  switch (example.kind) {
    case 'pair':
      return { prompt: example.context === undefined ? [example.prompt] : [example.prompt, example.context], answers: [example.answer] };
    case 'text':
      return { prompt: [], answers: [example.text] };
    case 'chat': {
      const trained = (m: (typeof example.messages)[number]): boolean => m.role === 'assistant' && m.weight !== 0;
      return {
        prompt: example.messages.filter((m) => !trained(m)).map((m) => m.content),
        answers: example.messages.filter(trained).map((m) => m.content),
      };
    }
    case 'fields':
      return {
        prompt: Object.entries(example.fields)
          .filter(([name]) => name !== example.answerField)
          .map(([, value]) => value),
        answers: [example.fields[example.answerField]!],
      };
  }
}
