import type { PairExample } from '../format/example.js';
import type { PromptTemplate } from '../tokenize/segments.js';
import { pairTemplate } from './pair-template.js';

// The two Stanford Alpaca prompts (train.py, PROMPT_DICT), plus the newline after "### Response:" that
// alpaca-lora and most later recipes add (train.py itself ends at the colon).
const WITH_INPUT =
  'Below is an instruction that describes a task, paired with an input that provides further context. ' +
  'Write a response that appropriately completes the request.\n\n';
const WITHOUT_INPUT = 'Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n';

function alpacaPrompt(pair: PairExample): string {
  if (pair.context === undefined) return `${WITHOUT_INPUT}### Instruction:\n${pair.prompt}\n\n### Response:\n`;
  return `${WITH_INPUT}### Instruction:\n${pair.prompt}\n\n### Input:\n${pair.context}\n\n### Response:\n`;
}

/**
 * Stanford Alpaca: the instruction (or question, prompt, input of other pair formats) fills
 * `### Instruction:`, Alpaca's input fills `### Input:`. The prompt ends with the newline after
 * "### Response:"; the trained part is the response alone, then EOS.
 */
export const alpacaTemplate: PromptTemplate = pairTemplate('alpaca', alpacaPrompt);
