// tuna eval's comparisons on a tiny model, in this process: --base implies --compare-base, and
// --prompt-baseline scores a prompted model behind a scripted OpenAI-compatible endpoint as a
// third column.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { closedPort, startScriptedEndpoint, type ScriptedRequest } from '../../endpoint/testing/scripted-endpoint.js';
import { initModel } from '../../models/init-model.js';
import { tuna } from '../testing/run-cli.js';

const root = await mkdtemp(join(tmpdir(), 'tuna-eval-cli-'));
after(() => rm(root, { recursive: true, force: true }));
const model = join(root, 'model');
await initModel({ arch: 'llama', preset: 'tiny', out: model, seed: 5 });
const answers = new Map(Array.from({ length: 12 }, (_, i) => [`What is item ${i}?`, `Item ${i} is a ${['cup', 'pen', 'key'][i % 3]}.`]));
await writeFile(join(root, 'qa.jsonl'), [...answers].map(([question, answer]) => JSON.stringify({ question, answer })).join('\n'));
const prep = await tuna('prepare', join(root, 'qa.jsonl'), '--model', model, '--template', 'qa', '--out', join(root, 'data'), '--test-size', '4');
assert.equal(prep.code, 0, prep.stderr);
const test = join(root, 'data', 'test.jsonl');
const json = (stdout: string) => JSON.parse(stdout.trim().split('\n').pop()!);
const lastUser = (r: ScriptedRequest) => r.messages.findLast((m) => m.role === 'user')!.content;

describe('tuna eval', () => {
  it('--base alone compares against it', async () => {
    const run = await tuna('eval', '--model', model, '--base', model, '--data', test, '--max-new-tokens', '4', '--json');
    assert.equal(run.code, 0, run.stderr);
    const result = json(run.stdout);
    assert.equal(result.examples, 4);
    assert.deepEqual(result.base, result.fine_tuned);
    assert.match(run.stderr + run.stdout, /Exact match/);
  });

  it('--prompt-baseline asks the endpoint with the untemplated question (and shots from train) and adds a Prompted column', async () => {
    let first = true;
    const server = await startScriptedEndpoint({
      models: ['teacher'],
      apiKey: 'sk-test',
      reply: (request) => {
        if (first) {
          first = false;
          return { status: 429, headers: { 'retry-after-ms': '5' } };
        }
        return answers.get(lastUser(request)) ?? 'no idea';
      },
    });
    process.env.TUNA_TEST_KEY = 'sk-test';
    try {
      const out = join(root, 'report');
      const run = await tuna('eval', '--model', model, '--base', model, '--data', test, '--max-new-tokens', '4', '--out', out,
        '--prompt-baseline', server.url, '--baseline-model', 'teacher', '--baseline-api-key-env', 'TUNA_TEST_KEY',
        '--baseline-system', 'Answer briefly.', '--few-shot', '2', '--json');
      assert.equal(run.code, 0, run.stderr);
      const result = json(run.stdout);
      assert.equal(result.prompted.exact_match, 1);
      assert.equal(result.prompted.few_shot, 2);
      assert.ok(result.fine_tuned.exact_match < 1);
      // 4 questions, one of them asked twice after the 429.
      assert.equal(server.requests.length, 5);
      const train = (await readFile(join(root, 'data', 'train.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
      for (const request of server.requests) {
        assert.equal(request.model, 'teacher');
        assert.equal(request.temperature, 0);
        assert.deepEqual(request.messages.map((m) => m.role), ['system', 'user', 'assistant', 'user', 'assistant', 'user']);
        assert.equal(request.messages[0]!.content, 'Answer briefly.');
        assert.equal(request.messages[1]!.content, train[0].prompt_messages[0].content);
        assert.equal(request.messages[2]!.content, train[0].reference);
        assert.ok(answers.has(lastUser(request)), `untemplated question, got ${JSON.stringify(lastUser(request))}`);
      }
      const html = await readFile(join(out, 'report.html'), 'utf8');
      assert.match(html, /<th>Base<\/th><th>Prompted<\/th><th>Fine-tuned<\/th><th>Change<\/th>/);
      assert.match(html, /<tr><td>Exact match<\/td><td>[\d.]+<\/td><td>1\.000<\/td>/);
      assert.match(html, /Prompted baseline<\/dt><dd>teacher at http:\/\/127\.0\.0\.1:\d+\/v1 \(2-shot\)/);
      const md = await readFile(join(out, 'report.md'), 'utf8');
      assert.match(md, /\| Metric \| Base \| Prompted \| Fine-tuned \| Change \|\n\| --- \| ---: \| ---: \| ---: \| ---: \|/);
      assert.match(md, /\| Exact match \| [\d.]+ \| 1\.000 \|/);
      assert.match(md, /\| Loss \(per token\) \| [\d.]+ \| n\/a \|/);
    } finally {
      delete process.env.TUNA_TEST_KEY;
      await server.close();
    }
  });

  it('a wrong key, an unknown model, an endpoint that is down or a missing --baseline-model exit 2 before any model runs', async () => {
    const server = await startScriptedEndpoint({ models: ['teacher'], apiKey: 'sk-right', reply: () => 'x' });
    const closed = await closedPort();
    try {
      const base = ['eval', '--model', model, '--base', model, '--data', test, '--max-new-tokens', '2'];
      const cases: [string[], RegExp][] = [
        [['--prompt-baseline', server.url, '--baseline-model', 'teacher'], /refused the API key \(HTTP 401\): set the right key in the variable named by --baseline-api-key-env/],
        [['--prompt-baseline', server.url, '--baseline-model', 'nobody', '--baseline-api-key-env', 'TUNA_RIGHT_KEY'], /model "nobody" is not served .* it serves: teacher\. Pass one of them with --baseline-model/],
        [['--prompt-baseline', `http://127.0.0.1:${closed}`, '--baseline-model', 'teacher'], /cannot reach http:\/\/127\.0\.0\.1:\d+\/v1: ECONNREFUSED/],
        [['--prompt-baseline', server.url], /--prompt-baseline needs --baseline-model/],
        [['--few-shot', '2'], /give --prompt-baseline URL too/],
      ];
      process.env.TUNA_RIGHT_KEY = 'sk-right';
      for (const [extra, message] of cases) {
        const run = await tuna(...base, ...extra);
        assert.equal(run.code, 2, `${extra.join(' ')}: ${run.stderr}`);
        assert.match(run.stderr, message);
      }
      assert.equal(server.requests.length, 0);
    } finally {
      delete process.env.TUNA_RIGHT_KEY;
      await server.close();
    }
  });
});
