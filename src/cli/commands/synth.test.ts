// tuna synth against a scripted OpenAI-compatible endpoint on 127.0.0.1, run in this process.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { writeTinyModel } from '../../data/testing/tiny-tokenizers.js';
import { closedPort, startScriptedEndpoint, type ScriptedReply, type ScriptedRequest } from '../../endpoint/testing/scripted-endpoint.js';
import { tuna } from '../testing/run-cli.js';
import { runSynth, synthSchema } from './synth.js';

const docs = join(import.meta.dirname, '../../../fixtures/synth/docs');
const seeds = join(import.meta.dirname, '../../../fixtures/synth/seed-tasks.jsonl');
const root = await mkdtemp(join(tmpdir(), 'tuna-synth-cli-'));
after(() => rm(root, { recursive: true, force: true }));
const model = await writeTinyModel(join(root, 'model'), 'chatml');
let outs = 0;
const newOut = () => join(root, `out-${++outs}.jsonl`);

const prompt = (r: ScriptedRequest) => r.messages[0]!.content;
const excerpt = (r: ScriptedRequest) => /<excerpt>\n([\s\S]*?)\n<\/excerpt>/.exec(prompt(r))?.[1] ?? '';
const words = (text: string, n: number) => text.split(/\s+/).filter(Boolean).slice(0, n).join(' ');
/** Two pairs per chunk: one taken from the chunk, one about something the chunk never says. */
const groundedReply = (r: ScriptedRequest) => {
  const chunk = excerpt(r);
  return JSON.stringify({
    pairs: [
      { question: `Explain: ${words(chunk, 8)}?`, answer: words(chunk, 15) },
      { question: `Who won the 1998 football world cup, according to ${words(chunk, 3)}?`, answer: 'France won it against Brazil in Saint-Denis.' },
    ],
  });
};
const rows = async (file: string) => (await readFile(file, 'utf8')).trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);
const common = (url: string, out: string) => ['--out', out, '--endpoint', url, '--model', 'teacher', '--concurrency', '1', '--json'];


describe('tuna synth', () => {
  it('reads every kind of document, keeps grounded pairs with their source, and its output passes inspect and prepare unchanged', async () => {
    const server = await startScriptedEndpoint({ reply: groundedReply });
    const out = newOut();
    try {
      const run = await tuna('synth', docs, ...common(server.url, out), '--per-chunk', '2');
      assert.equal(run.code, 0, run.stderr);
      const summary = JSON.parse(run.stdout);
      assert.equal(summary.documents.files, 9);
      assert.equal(summary.chunks.total, 9);
      assert.equal(summary.requests, 9);
      assert.equal(summary.pairs.kept, 9);
      assert.equal(summary.pairs.dropped.ungrounded, 9);
      assert.equal(summary.inFile, 9);
      assert.equal(summary.samples.length, 3);
      assert.match(prompt(server.requests[0]!), /Write 2 questions/);
      const written = await rows(out);
      assert.equal(written.length, 9);
      const guide = written.find((r) => r.source.file.endsWith('guide.md'))!;
      const text = await readFile(join(docs, 'guide.md'), 'utf8');
      assert.deepEqual(guide.source, { file: join(docs, 'guide.md'), chunk: 0, start: 0, end: text.trimEnd().length, lines: [1, 14] });
      // The scripted teacher copies the chunk's words with single spaces between them.
      assert.ok(text.slice(guide.source.start, guide.source.end).replace(/\s+/g, ' ').includes(guide.answer));
      const slack = written.find((r) => r.source.file.endsWith('slack-general.json'))!;
      assert.match(slack.answer, /^Mira Okafor: The new oven arrives/);
      assert.deepEqual(slack.source.lines, [3, 4]);
      assert.match(run.stderr, /chunk 9\/9 .*kept 9 {2}dropped 9 \(9 ungrounded\)/);

      const inspected = await tuna('inspect', out, '--json');
      assert.equal(inspected.code, 0, inspected.stderr);
      assert.equal(JSON.parse(inspected.stdout).format, 'question-answer');
      const prepared = await tuna('prepare', out, '--model', model, '--out', join(root, 'prepared'), '--test-size', '0');
      assert.equal(prepared.code, 0, prepared.stderr);
      assert.equal((await rows(join(root, 'prepared', 'train.jsonl'))).length, 9);
    } finally {
      await server.close();
    }
  });

  it('writes instruction and chat records that inspect detects as such', async () => {
    const server = await startScriptedEndpoint({ reply: groundedReply });
    try {
      for (const [style, format] of [['instruction', 'instruction'], ['chat', 'messages']] as const) {
        const out = newOut();
        const run = await tuna('synth', join(docs, 'notes.txt'), ...common(server.url, out), '--style', style);
        assert.equal(run.code, 0, run.stderr);
        const [record] = await rows(out);
        assert.ok(style === 'chat' ? record!.messages[1].role === 'assistant' : typeof record!.response === 'string', JSON.stringify(record));
        const inspected = await tuna('inspect', out, '--json');
        assert.equal(JSON.parse(inspected.stdout).format, format, inspected.stderr);
      }
      assert.match(prompt(server.requests.at(-1)!), /messages that a user could send to a chat assistant/);
    } finally {
      await server.close();
    }
  });

  it('counts and skips malformed replies: not JSON, empty, no pairs, pairs missing fields, empty answers', async () => {
    const file = join(root, 'five.txt');
    await writeFile(file, ['alpha beta gamma delta epsilon zeta eta theta.', 'iota kappa lambda mu nu xi omicron pi.', 'rho sigma tau upsilon phi chi psi omega.', 'one two three four five six seven eight.', 'red green blue cyan magenta yellow black white.'].join('\n\n'));
    const replies: ((r: ScriptedRequest) => string)[] = [
      () => 'Sure! Here are some questions about the text.',
      () => '',
      () => JSON.stringify({ pairs: [{ question: 'Only a question?' }, { answer: 'only an answer' }, 'a string', { question: 'Empty answer?', answer: '' }] }),
      (r) => `Here you go:\n\`\`\`json\n${JSON.stringify({ pairs: [{ question: `Which words come first in ${excerpt(r)}?`, answer: excerpt(r) }] })}\n\`\`\``,
      () => JSON.stringify({ note: 'nothing to say' }),
    ];
    const server = await startScriptedEndpoint({ reply: (r, n) => replies[n % replies.length]!(r) });
    const out = newOut();
    try {
      const run = await tuna('synth', file, ...common(server.url, out), '--chunk-tokens', '16', '--chunk-overlap', '0');
      assert.equal(run.code, 0, run.stderr);
      const s = JSON.parse(run.stdout);
      assert.equal(s.chunks.total, 5);
      assert.deepEqual(s.replies, { ok: 2, 'empty-reply': 1, 'not-json': 1, 'no-pairs': 1 });
      assert.equal(s.pairs.dropped['missing-fields'], 3);
      assert.equal(s.pairs.dropped['empty-answer'], 1);
      assert.equal(s.pairs.kept, 1);
      assert.equal((await rows(out)).length, 1);
      const text = await tuna('synth', file, '--out', newOut(), '--endpoint', server.url, '--model', 'teacher');
      assert.equal(text.code, 0);
    } finally {
      await server.close();
    }
  });

  it('drops refusals and near-duplicate questions (ROUGE-L above 0.7) across chunks', async () => {
    const server = await startScriptedEndpoint({
      reply: (r) => {
        const chunk = excerpt(r);
        return JSON.stringify({
          pairs: [
            { question: 'When does Harbor Bakery open on weekdays?', answer: words(chunk, 6) },
            { question: `What does the staff note about ${words(chunk, 2)} say?`, answer: "I'm sorry, but I cannot answer that." },
            { question: 'What information is missing?', answer: 'The excerpt does not mention the opening hours.' },
          ],
        });
      },
    });
    const out = newOut();
    try {
      const run = await tuna('synth', join(docs, 'guide.md'), join(docs, 'notes.txt'), ...common(server.url, out));
      assert.equal(run.code, 0, run.stderr);
      const s = JSON.parse(run.stdout);
      assert.equal(s.pairs.kept, 1);
      assert.equal(s.duplicates, 1);
      assert.equal(s.pairs.dropped.refusal, 4);
    } finally {
      await server.close();
    }
  });

  it('retries a 429 and goes on; the summary counts the retry', async () => {
    const server = await startScriptedEndpoint({ reply: (r, n) => (n === 0 ? { status: 429, headers: { 'retry-after-ms': '5' } } : groundedReply(r)) });
    const out = newOut();
    try {
      const run = await tuna('synth', join(docs, 'guide.md'), ...common(server.url, out));
      assert.equal(run.code, 0, run.stderr);
      const s = JSON.parse(run.stdout);
      assert.equal(s.retries, 1);
      assert.equal(s.pairs.kept, 1);
      assert.equal(server.requests.length, 2);
    } finally {
      await server.close();
    }
  });

  it('a server that dies mid-run loses nothing, and --resume finishes without duplicates', async () => {
    let closing: Promise<void> | undefined;
    const first = await startScriptedEndpoint({
      reply: (r, n) => {
        if (n === 3) {
          closing = first.close();
          return 'drop';
        }
        return groundedReply(r);
      },
    });
    const out = newOut();
    const run = await tuna('synth', docs, ...common(first.url, out), '--retries', '1');
    await closing;
    assert.equal(run.code, 1, run.stderr);
    const s = JSON.parse(run.stdout);
    assert.equal(s.stopped, 'failed');
    assert.match(run.stderr, /cannot reach http:\/\/127\.0\.0\.1:\d+\/v1/);
    assert.equal((await rows(out)).length, 3);
    assert.equal((await rows(`${out}.progress.jsonl`)).length, 4);

    const second = await startScriptedEndpoint({ reply: groundedReply });
    try {
      const resumed = await tuna('synth', docs, ...common(second.url, out), '--resume');
      assert.equal(resumed.code, 0, resumed.stderr);
      const r = JSON.parse(resumed.stdout);
      assert.equal(r.chunks.skippedAsDone, 3);
      assert.equal(r.chunks.thisRun, 6);
      assert.equal(second.requests.length, 6);
      const written = await rows(out);
      assert.equal(written.length, 9);
      assert.equal(new Set(written.map((w) => `${w.source.file}#${w.source.start}`)).size, 9);
      assert.equal(r.inFile, 9);
      // Nothing left to do: a second resume sends no request.
      const again = await tuna('synth', docs, ...common(second.url, out), '--resume');
      assert.equal(JSON.parse(again.stdout).requests, 0);
      assert.equal(second.requests.length, 6);
      const changed = await tuna('synth', docs, ...common(second.url, out), '--resume', '--chunk-tokens', '256');
      assert.equal(changed.code, 2);
      assert.match(changed.stderr, /--chunk-tokens was 512 in the run recorded in .*, now 256/);
      const fresh = await tuna('synth', docs, ...common(second.url, out));
      assert.equal(fresh.code, 2);
      assert.match(fresh.stderr, /already exists: pass --resume/);
    } finally {
      await second.close();
    }
  });

  it('Ctrl-C stops at once, keeps what arrived, and --resume goes on', async () => {
    const server = await startScriptedEndpoint({ reply: groundedReply });
    const out = newOut();
    const controller = new AbortController();
    try {
      const options = synthSchema.parse({ docs: [docs], out, endpoint: server.url, model: 'teacher', concurrency: 1 });
      const stopped = await runSynth(options, { signal: controller.signal, onProgress: (p) => (p.done === 2 ? controller.abort() : undefined) });
      assert.equal(stopped.stopped, 'interrupted');
      assert.equal(stopped.chunks.done, 2);
      assert.equal((await rows(out)).length, 2);
      const resumed = await runSynth({ ...options, resume: true });
      assert.equal(resumed.stopped, 'finished');
      assert.equal(resumed.chunks.thisRun, 7);
      assert.equal((await rows(out)).length, 9);
    } finally {
      await server.close();
    }
  });

  it('Self-Instruct from seed tasks: new instructions, near-copies of seeds and filtered ones dropped, stops at --target', async () => {
    let round = 0;
    const server = await startScriptedEndpoint({
      reply: () => {
        round++;
        return JSON.stringify({
          pairs: [
            // Round 2 repeats round 1's first task with another number: a near-duplicate.
            { instruction: `List ${round} kinds of bread that are baked with rye flour.`, input: '', response: 'Pumpernickel, Borodinsky and Finnish ruisleipa.' },
            { instruction: 'Decide whether this sentence sounds positive or negative.', input: 'The bread was fresh.', response: 'Positive' },
            { instruction: 'Draw a picture of a loaf of bread.', response: 'I am drawing it now.' },
            ...(round === 1
              ? [{ instruction: 'Suggest a name for a bakery near a harbor.', response: 'The Salty Crust.' }]
              : [
                { instruction: 'Explain why sourdough needs a starter culture.', response: 'The starter holds the wild yeast and bacteria that raise the dough.' },
                { instruction: 'Write a haiku about warm croissants at dawn.', response: 'Butter layers wake / steam curls from the golden folds / the street smells of dawn' },
              ]),
          ],
        });
      },
    });
    const out = newOut();
    try {
      const run = await tuna('synth', '--seed-tasks', seeds, ...common(server.url, out), '--target', '3', '--per-chunk', '4');
      assert.equal(run.code, 0, run.stderr);
      const s = JSON.parse(run.stdout);
      assert.equal(s.stopped, 'target');
      assert.equal(s.inFile, 3);
      assert.equal(s.requests, 2);
      assert.equal(s.pairs.dropped.duplicate, 2 + 1);
      assert.equal(s.pairs.dropped['self-instruct-filter'], 2);
      assert.equal(s.pairs.dropped['over-target'], 1);
      const written = await rows(out);
      assert.deepEqual(Object.keys(written[0]!), ['instruction', 'response', 'source']);
      assert.deepEqual(written[0]!.source, { seedTasks: seeds, round: 0 });
      const first = prompt(server.requests[0]!);
      assert.match(first, /Come up with 4 new, diverse tasks/);
      assert.equal((first.match(/^\{"instruction"/gm) ?? []).length, 4, 'all four seeds as examples');
      assert.match(prompt(server.requests[1]!), /List 1 kinds of bread/);
      assert.equal((await tuna('inspect', out, '--json')).code, 0);
    } finally {
      await server.close();
    }
  });

  it('bad input exits 2 with a clear message: unreachable endpoint, wrong key, unknown model, empty folder', async () => {
    const server = await startScriptedEndpoint({ apiKey: 'sesame', reply: groundedReply });
    const file = join(docs, 'notes.txt');
    try {
      const port = await closedPort();
      const cases: [string[], RegExp][] = [
        [['--endpoint', `http://127.0.0.1:${port}/v1`, '--model', 'teacher'], /cannot reach http:\/\/127\.0\.0\.1:\d+\/v1: ECONNREFUSED/],
        [['--endpoint', server.url, '--model', 'teacher', '--api-key-env', 'TUNA_SYNTH_TEST_WRONG_KEY'], /refused the API key \(HTTP 401\)/],
        [['--endpoint', server.url, '--model', 'gpt-9', '--api-key-env', 'TUNA_SYNTH_TEST_KEY'], /model "gpt-9" is not served .* it serves: teacher/],
      ];
      process.env.TUNA_SYNTH_TEST_WRONG_KEY = 'guess';
      process.env.TUNA_SYNTH_TEST_KEY = 'sesame';
      for (const [args, message] of cases) {
        const out = newOut();
        const run = await tuna('synth', file, '--out', out, ...args);
        assert.equal(run.code, 2, run.stderr);
        assert.match(run.stderr, message);
      }
      const empty = join(root, 'empty-docs');
      await mkdir(empty);
      const run = await tuna('synth', empty, '--out', newOut(), '--endpoint', server.url, '--model', 'teacher');
      assert.equal(run.code, 2);
      assert.match(run.stderr, /empty-docs: no documents to read \(it holds no files\)/);
      assert.equal(server.requests.length, 0);
      const none = await tuna('synth', '--out', newOut(), '--endpoint', server.url, '--model', 'teacher');
      assert.match(none.stderr, /give documents to make pairs from, or --seed-tasks/);
      const ok = await tuna('synth', file, '--out', newOut(), '--endpoint', server.url, '--model', 'teacher', '--api-key-env', 'TUNA_SYNTH_TEST_KEY', '--json');
      assert.equal(ok.code, 0, ok.stderr);
    } finally {
      delete process.env.TUNA_SYNTH_TEST_WRONG_KEY;
      delete process.env.TUNA_SYNTH_TEST_KEY;
      await server.close();
    }
  });
});
