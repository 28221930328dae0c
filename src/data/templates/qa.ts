import type { PromptTemplate } from '../tokenize/segments.js';
import { pairTemplate, questionText } from './pair-template.js';

/**
 * `### Question:\n{question}\n\n### Answer:\n{answer}`. The prompt ends with the newline after
 * "### Answer:"; the trained part is the answer text alone, then EOS.
 */
export const qaTemplate: PromptTemplate = pairTemplate('qa', (pair) => `### Question:\n${questionText(pair)}\n\n### Answer:\n`);
