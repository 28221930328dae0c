// `tuna serve --template`: the wrapper it builds for /v1/completions prompts, on a real tiny model,
// and the server applying it (the HTTP layer itself is tested in src/serve).
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { TunaInputError } from '../../errors.js';
import { initModel } from '../../models/init-model.js';
import { ModelEngine } from '../../serve/model-engine.js';
import { startServer } from '../../serve/server.js';
import { promptWrapper } from './serve.js';

const root = await mkdtemp(join(tmpdir(), 'tuna-serve-template-'));
await initModel({ arch: 'llama', preset: 'tiny', out: join(root, 'model'), seed: 3 });
const engine = await ModelEngine.load({ dir: join(root, 'model'), id: 'tiny', adapters: {} });
after(async () => {
  await engine.close();
  await rm(root, { recursive: true, force: true });
});

describe('tuna serve --template', () => {
  it('wraps a plain question as training rendered it: qa, a template file, the chat template', async () => {
    assert.equal(await promptWrapper(undefined, engine), undefined);
    assert.deepEqual((await promptWrapper('qa', engine))!('What is LoRA?'), { text: '### Question:\nWhat is LoRA?\n\n### Answer:\n', addSpecialTokens: true });
    const file = join(root, 'house.txt');
    await writeFile(file, 'Q: {question}\nA: {answer}');
    assert.deepEqual((await promptWrapper(file, engine))!('Why?'), { text: 'Q: Why?\nA: ', addSpecialTokens: true });
    assert.ok(engine.hasChatTemplate);
    const chat = (await promptWrapper('chat', engine))!('Hi');
    assert.equal(chat.text, engine.applyChatTemplate([{ role: 'user', content: 'Hi' }]));
    assert.equal(chat.addSpecialTokens, false);
  });

  it('a template file with two question fields fails before the server starts', async () => {
    const file = join(root, 'two.txt');
    await writeFile(file, '{context}\n{question}\n{answer}');
    await assert.rejects(promptWrapper(file, engine), (e: unknown) => e instanceof TunaInputError && /2 fields besides \{answer\}/.test(e.message));
  });

  it('the server sends /v1/completions text through the wrapper, and token ids unchanged', async () => {
    const wrapPrompt = (await promptWrapper('qa', engine))!;
    const server = await startServer(engine, { port: 0, wrapPrompt, log: () => {} });
    try {
      const complete = async (prompt: string | number[]) => {
        const response = await fetch(`${server.url}/v1/completions`, {
          method: 'POST', headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ model: 'tiny', prompt, max_tokens: 1, temperature: 0 }),
        });
        assert.equal(response.status, 200);
        return ((await response.json()) as { usage: { prompt_tokens: number } }).usage.prompt_tokens;
      };
      const wrapped = engine.tokenize(wrapPrompt('What is LoRA?').text, { addSpecialTokens: true });
      assert.equal(await complete('What is LoRA?'), wrapped.length);
      assert.equal(await complete([5, 6, 7]), 3);
    } finally {
      await server.close();
    }
  });
});
