// An Engine without a model, for testing the HTTP layer: each character is a token, and the answer
// spells the prompt back one character per step, through the same queue and stop handling.
import type { ChatMessage, Engine, GenerationRequest, GenerationResult, ServedModel } from '../engine.js';
import { SerialQueue } from '../serial-queue.js';
import { StopStringFilter } from '../../generate/stop-strings.js';

export class FakeEngine implements Engine {
  readonly contextLength = 64;
  readonly vocabSize = 0x10000;
  readonly hasChatTemplate = true;
  /** Every request generate() received, in the order it ran. */
  readonly started: GenerationRequest[] = [];
  readonly aborted: GenerationRequest[] = [];
  private readonly queue = new SerialQueue();

  constructor(private readonly models = ['base', 'adapter-a'], private readonly stepMs = 1) {}

  listModels(): ServedModel[] {
    return this.models.map((id, i) => ({ id, created: 1700000000, ownedBy: 'tuna', ...(i > 0 ? { parent: this.models[0] } : {}) }));
  }

  tokenize(text: string): number[] {
    return [...text].map((c) => c.codePointAt(0)!);
  }

  applyChatTemplate(messages: ChatMessage[]): string {
    return messages.map((m) => `${m.role}:${String(m.content)}`).join('|');
  }

  generate(request: GenerationRequest): Promise<GenerationResult> {
    return this.queue.run(async () => {
      this.started.push(request);
      const answer = `${request.model}>${String.fromCodePoint(...request.promptTokens)}`;
      const stops = new StopStringFilter(request.stop);
      const show = (text: string) => text && request.onText?.(text);
      let tokens = 0;
      for (const c of [...answer].slice(0, request.maxTokens)) {
        await new Promise((resolve) => setTimeout(resolve, this.stepMs));
        if (request.signal?.aborted) {
          this.aborted.push(request);
          throw request.signal.reason;
        }
        tokens++;
        show(stops.push(c));
        if (stops.stopped) break;
      }
      show(stops.flush());
      const finishReason = stops.stopped || tokens === [...answer].length ? 'stop' : 'length';
      return { text: stops.finalText, finishReason, promptTokens: request.promptTokens.length, completionTokens: tokens };
    }, request.signal);
  }

  async close(): Promise<void> {}
}
