export { generateTokens } from './generator.js';
export type { GenerateOptions, GenerateResult } from './generator.js';
export { argmax, sampleToken } from './sampling.js';
export type { SamplingOptions } from './sampling.js';
export { generateText } from './generate-text.js';
export type { GenerateTextOptions, GenerateTextResult } from './generate-text.js';
export { chatMessages, encodePrompt } from './prompt.js';
export type { PromptInput } from './prompt.js';
export { StopStringFilter } from './stop-strings.js';
