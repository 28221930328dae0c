// Text in, streamed text out: encodes the prompt (plain or chat), decodes tokens as they arrive
// without splitting characters, and ends at EOS, a stop string, the token budget or the context.
import { TunaInputError } from '../errors.js';
import type { CausalLM, ForwardAdapter } from '../models/model.js';
import type { Runtime } from '../runtime/runtime.js';
import type { Tokenizer } from '../tokenizer/index.js';
import { generateTokens } from './generator.js';
import { encodePrompt, type PromptInput } from './prompt.js';
import type { SamplingOptions } from './sampling.js';
import { StopStringFilter } from './stop-strings.js';

export interface GenerateTextOptions extends SamplingOptions {
  maxNewTokens: number;
  seed?: number;
  /** Generation ends before the first of these strings; the string itself is not returned. */
  stop?: readonly string[];
  /** Ids that end generation (default: the tokenizer's EOS ids, generation_config's included). */
  eosTokenIds?: readonly number[];
  /** Called with each new piece of text as soon as it is complete. */
  onText?: (text: string) => void;
  signal?: AbortSignal;
  /** A LoRA adapter's hook and feeds on the resident base weights (see generateTokens). */
  adapter?: ForwardAdapter;
}

export interface GenerateTextResult {
  text: string;
  /** The generated ids (without EOS). */
  tokens: number[];
  promptTokens: number;
  completionTokens: number;
  finishReason: 'stop' | 'length';
  seconds: number;
}

export async function generateText(
  rt: Runtime, model: CausalLM, tokenizer: Tokenizer, prompt: PromptInput, options: GenerateTextOptions,
): Promise<GenerateTextResult> {
  const started = performance.now();
  const ids = encodePrompt(tokenizer, prompt);
  if (ids.length === 0) throw new TunaInputError('the prompt is empty; give some text to continue');
  checkContext(ids.length, model);
  const decoder = tokenizer.createStreamDecoder({ skipSpecialTokens: true });
  const stops = new StopStringFilter(options.stop);
  const show = (text: string) => {
    if (text) options.onText?.(text);
  };
  const result = await generateTokens(rt, model, [ids], {
    maxNewTokens: options.maxNewTokens,
    temperature: options.temperature,
    topK: options.topK,
    topP: options.topP,
    seed: options.seed,
    eosTokenIds: [...(options.eosTokenIds ?? tokenizer.eosTokenIds)],
    padTokenId: tokenizer.padTokenId ?? model.config.padTokenId ?? 0,
    signal: options.signal,
    adapter: options.adapter,
    onToken: (_row, token) => {
      show(stops.push(decoder.push(token)));
      return stops.stopped;
    },
  });
  if (!stops.stopped) show(stops.push(decoder.flush()) + stops.flush());
  const tokens = result.tokens[0]!;
  return {
    text: stops.finalText,
    tokens,
    promptTokens: ids.length,
    completionTokens: tokens.length,
    finishReason: result.finishReason[0]!,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Positions past max_position_embeddings have no rotary/learned embedding the model was trained on. */
function checkContext(promptTokens: number, model: CausalLM): void {
  const context = model.config.maxPositionEmbeddings;
  if (promptTokens >= context) {
    throw new TunaInputError(
      `the prompt has ${promptTokens} tokens, but the model's context (max_position_embeddings in ${model.dir}/config.json) is ${context}, ` +
        'which leaves no room for new tokens; shorten the prompt',
    );
  }
}
