import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { TunaInputError } from '../../errors.js';
import { inspectDataset } from './inspect.js';
import { inspectFile } from './inspect-file.js';
import { readDataset } from '../load/read-dataset.js';
import { formatInspection, markSample } from './report-text.js';
import { scanDataset } from '../format/scan-dataset.js';
import { readTemplateOption } from '../tokenize/template-choice.js';
import { tinyTokenizer } from '../testing/tiny-tokenizers.js';

const fixture = (name: string): string => join(import.meta.dirname, '../../../fixtures/data', name);
const folder = await mkdtemp(join(tmpdir(), 'tuna-inspect-'));
after(() => rm(folder, { recursive: true, force: true }));

describe('inspectFile (streaming)', () => {
  it('reports what the in-memory inspection reports', async () => {
    for (const [name, options] of [
      ['messy-qa.jsonl', { skipBad: true }],
      ['alpaca.json', {}],
      ['qa.csv', {}],
      ['chat.jsonl', {}],
    ] as const) {
      assert.deepEqual(await inspectFile(fixture(name), options), inspectDataset(await readDataset(fixture(name), options)), name);
    }
  });

  it('detects the format past the first records it holds back, and streams the rest', async () => {
    const file = join(folder, 'many.jsonl');
    const lines = Array.from({ length: 500 }, (_, i) => JSON.stringify(i < 3 ? { junk: i } : { prompt: `p${i % 400}`, completion: `c${i}` }));
    await writeFile(file, `${lines.join('\n')}\n`);
    const seen: number[] = [];
    const scan = await scanDataset(file, {}, { example: (x) => seen.push(x.line) });
    assert.deepEqual(
      { ...scan, file: undefined },
      { file: undefined, unit: 'line', format: 'prompt-completion', records: 500, examples: 497, problems: 3, skipped: 0 },
    );
    assert.deepEqual(seen.slice(0, 2), [4, 5]);
    assert.deepEqual(await inspectFile(file), inspectDataset(await readDataset(file)));
  });

  it('fails as readDataset does on empty files and files where nothing fits', async () => {
    await assert.rejects(inspectFile(fixture('empty.jsonl')), (e: unknown) => e instanceof TunaInputError && /empty/.test(e.message));
    await assert.rejects(inspectFile(fixture('malformed.jsonl')), (e: unknown) => e instanceof TunaInputError && /malformed\.jsonl:3/.test(e.message));
    await assert.rejects(inspectFile(fixture('qa.jsonl'), { format: 'messages' }), /none of the 3 records fits the "messages" format/);
  });

  it('adds token counts, samples with the trained text marked, and the token-level traps', async () => {
    const tok = tinyTokenizer('chatml');
    const report = await inspectFile(fixture('chat-traps.jsonl'), { tokenizer: tok, maxLength: 100 });
    const tokens = report.tokens!;
    assert.equal(tokens.template, 'chat');
    assert.equal(tokens.total.count, 4);
    assert.equal(tokens.overMaxLength, 1);
    assert.deepEqual(
      report.warnings.map((w) => [w.code, w.lines]),
      [
        ['empty-answer', [4]],
        ['no-trained-message', [2]],
        ['all-labels-masked', [2]],
        ['prompt-too-long', [3]],
        ['over-max-length', [3]],
      ],
    );
    assert.equal(tokens.samples.length, 3);
    assert.equal(markSample(tokens.samples[0]!, 'brackets'), '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n[[Hello!<|im_end|>\n]]');
    assert.equal(markSample(tokens.samples[1]!, 'brackets').includes('[['), false);
    assert.match(markSample(tokens.samples[0]!, 'ansi'), /\x1b\[32;4mHello!<\|im_end\|>\n\x1b\[0m$/);
    const text = formatInspection(report, 'brackets');
    assert.match(text, /1 of 4 examples are longer than --max-length 100\./);
    assert.match(text, /\[prompt-too-long\] 1 examples have a prompt of at least 100 tokens/);
  });

  it('warns when no end-of-sequence token is trained', async () => {
    const tok = tinyTokenizer('chatml', {
      chat_template: "{% for m in messages %}{{ m['role'] + ': ' + m['content'] + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ 'assistant: ' }}{% endif %}",
    });
    const report = await inspectFile(fixture('chat.jsonl'), { tokenizer: tok });
    assert.deepEqual(report.warnings.find((w) => w.code === 'no-eos')?.lines, [1, 2]);
  });

  it('renders with a template file and flags what the template cannot render', async () => {
    const file = join(folder, 'template.txt');
    await writeFile(file, 'Q: {question}\nA: {answer}\n');
    const template = await readTemplateOption(file);
    const report = await inspectFile(fixture('qa.jsonl'), { tokenizer: tinyTokenizer('llama'), template });
    assert.equal(report.format, 'fields');
    assert.equal(report.tokens!.samples[0]!.parts.at(-1)!.trained, true);
    await assert.rejects(inspectFile(fixture('chat.jsonl'), { tokenizer: tinyTokenizer('llama'), template: { builtin: 'qa' } }), /template "qa" cannot render chat examples/);
  });
});
