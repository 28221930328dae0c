// The Engine on a real model: one base CausalLM with its weights resident in the runtime, any
// number of LoRA adapters on it, one generation at a time in arrival order.
import { randomInt } from 'node:crypto';
import { TunaInputError } from '../errors.js';
import { generateText } from '../generate/generate-text.js';
import { CausalLM } from '../models/model.js';
import { Runtime } from '../runtime/runtime.js';
import { loadTokenizer } from '../tokenizer/load-tokenizer.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import type { ChatMessage, Engine, GenerationRequest, GenerationResult, ServedModel } from './engine.js';
import { uploadAdapter, type ServedAdapter } from '../generate/resident-adapter.js';
import { SerialQueue } from './serial-queue.js';

export interface ModelEngineOptions {
  /** The base model's folder. */
  dir: string;
  /** The id clients use for the base model (default: `dir`). */
  id?: string;
  /** Adapter name -> PEFT adapter folder. */
  adapters?: Record<string, string>;
  /** A runtime to share; without one the engine makes its own and closes it. */
  runtime?: Runtime;
}

export class ModelEngine implements Engine {
  private readonly queue = new SerialQueue();
  private readonly created = Math.floor(Date.now() / 1000);

  private constructor(
    private readonly rt: Runtime,
    private readonly ownsRuntime: boolean,
    private readonly baseId: string,
    private readonly model: CausalLM,
    private readonly tokenizer: Tokenizer,
    private readonly adapters: Map<string, ServedAdapter>,
  ) {}

  static async load(options: ModelEngineOptions): Promise<ModelEngine> {
    const id = options.id ?? options.dir;
    const model = await CausalLM.load(options.dir);
    const tokenizer = await loadTokenizer(options.dir);
    const rt = options.runtime ?? new Runtime();
    try {
      await model.residentWeights(rt);
      const adapters = new Map<string, ServedAdapter>();
      for (const [name, dir] of Object.entries(options.adapters ?? {})) {
        if (name === id) throw new TunaInputError(`adapter name "${name}" is the base model's id; give the adapter another name`);
        adapters.set(name, await uploadAdapter(rt, model, name, dir));
      }
      return new ModelEngine(rt, !options.runtime, id, model, tokenizer, adapters);
    } catch (error) {
      if (!options.runtime) await rt.close();
      throw error;
    }
  }

  get contextLength(): number {
    return this.model.config.maxPositionEmbeddings;
  }

  get vocabSize(): number {
    return this.model.vocabSize;
  }

  get hasChatTemplate(): boolean {
    return this.tokenizer.hasChatTemplate;
  }

  /** Requests waiting behind the running one. */
  get queued(): number {
    return this.queue.length;
  }

  listModels(): ServedModel[] {
    const base = { id: this.baseId, created: this.created, ownedBy: 'tuna' };
    return [base, ...[...this.adapters.keys()].map((id) => ({ id, created: this.created, ownedBy: 'tuna', parent: this.baseId }))];
  }

  tokenize(text: string, options: { addSpecialTokens: boolean }): number[] {
    return this.tokenizer.encode(text, options);
  }

  applyChatTemplate(messages: ChatMessage[]): string {
    return this.tokenizer.applyChatTemplate(messages, { addGenerationPrompt: true });
  }

  generate(request: GenerationRequest): Promise<GenerationResult> {
    if (request.model !== this.baseId && !this.adapters.has(request.model)) {
      return Promise.reject(new TunaInputError(`model "${request.model}" is not served; served: ${this.listModels().map((m) => m.id).join(', ')}`));
    }
    return this.queue.run(() => this.run(request), request.signal);
  }

  private async run(request: GenerationRequest): Promise<GenerationResult> {
    const result = await generateText(this.rt, this.model, this.tokenizer, { ids: request.promptTokens }, {
      maxNewTokens: request.maxTokens,
      temperature: request.temperature,
      topP: request.topP,
      seed: request.seed ?? randomInt(2 ** 31),
      stop: request.stop,
      onText: request.onText,
      signal: request.signal,
      adapter: this.adapters.get(request.model)?.adapter,
    });
    request.signal?.throwIfAborted();
    return { text: result.text, finishReason: result.finishReason, promptTokens: result.promptTokens, completionTokens: result.completionTokens };
  }

  async close(): Promise<void> {
    if (this.ownsRuntime) await this.rt.close();
  }
}
