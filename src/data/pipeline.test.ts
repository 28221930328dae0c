import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { builtinTemplate, defaultTemplateName, exampleKey, readDataset, splitTrainTest, writeOutputFiles } from './index.js';
import type { LocatedExample } from './index.js';

const fixture = (name: string): string => join(import.meta.dirname, '../../fixtures/data', name);

describe('text pipeline', () => {
  it('reads, splits, renders and writes a dataset', async () => {
    const dataset = await readDataset(fixture('alpaca.json'));
    const template = builtinTemplate(defaultTemplateName(dataset.format));
    const split = splitTrainTest(dataset.examples, { testSize: 1, seed: 3, key: (x: LocatedExample) => exampleKey(x.example) });
    const rendered = split.train.map((x) => template.render(x.example));
    assert.ok(rendered.every((r) => r.segments.at(-1)!.trained && r.appendEos));
    const folder = await mkdtemp(join(tmpdir(), 'tuna-pipeline-'));
    try {
      await writeOutputFiles(folder, [
        { name: 'train.jsonl', rows: rendered },
        { name: 'test.jsonl', rows: split.test.map((x) => template.renderPrompt(x.example)) },
      ]);
      const test = (await readFile(join(folder, 'test.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
      assert.equal(test.length, 1);
      assert.match(test[0].prompt, /### Response:\n$/);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
