import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { compareOutputs } from './compare.js';
import { renderReport, writeReport } from './report.js';
import type { ReportInput } from './report.js';

const root = mkdtemp(join(tmpdir(), 'tuna-report-'));
after(async () => rm(await root, { recursive: true, force: true }));

const examples = compareOutputs([
  { prompt: 'Capital of France?', reference: 'Paris', baseOutput: 'London', tunedOutput: 'Paris' },
  {
    prompt: 'Say hi in HTML',
    reference: 'hello world',
    baseOutput: '<script>alert("x")</script> & goodbye',
    tunedOutput: 'hello world | ``` fenced',
  },
  { prompt: 'Same?', reference: 'yes', baseOutput: 'yes', tunedOutput: 'yes' },
]);

const input: ReportInput = {
  title: 'Tuna evaluation',
  baseName: 'tiny-base',
  tunedName: 'runs/<adapter>',
  comparison: { examples, baseLoss: { nll: 6, tokens: 3 }, tunedLoss: { nll: 3, tokens: 3 } },
  trainingLog: [
    { step: 1, epoch: 0.1, loss: 2.3, lr: 0.0002, grad_norm: 1.1, tokens_per_s: 300, elapsed: 3.2 },
    { step: 2, epoch: 0.2, loss: 1.9, eval_loss: 2.5 },
    { step: 3, epoch: 0.3, loss: 1.4 },
  ],
  details: { 'Max new tokens': 64 },
};

function file(name: string, report = renderReport(input)): string {
  const found = report.find((f) => f.name === name);
  assert.ok(found && 'text' in found, `no ${name}`);
  return found.text;
}

describe('report.html', () => {
  const html = file('report.html');

  it('is one self-contained page: inline style, no scripts, nothing loaded from elsewhere', () => {
    assert.match(html, /^<!doctype html>\n<html lang="en">/);
    assert.match(html, /<style>[\s\S]+<\/style>/);
    assert.doesNotMatch(html, /<script|<link|<img|<iframe|\ssrc=|\shref=|url\(|@import/i);
  });

  it('holds the summary table with each metric and its change', () => {
    assert.match(html, /<th>Metric<\/th><th>Base<\/th><th>Fine-tuned<\/th><th>Change<\/th>/);
    assert.match(html, /<tr><td>Exact match<\/td><td>0\.333<\/td><td>0\.667<\/td><td class="better">\+0\.333<\/td><\/tr>/);
    assert.match(html, /<tr><td>Perplexity<\/td><td>7\.39<\/td><td>2\.72<\/td><td class="better">-4\.67<\/td><\/tr>/);
  });

  it('draws the loss curve as an inline SVG with a polyline and eval points', () => {
    assert.match(html, /<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*>[\s\S]*<polyline class="train-loss"[\s\S]*<g class="eval-loss"><circle [\s\S]*<\/svg>/);
  });

  it('escapes model output, so <script> is shown as text', () => {
    assert.match(html, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt; &amp; goodbye/);
    assert.match(html, /<dd>runs\/&lt;adapter&gt;<\/dd>/);
  });

  it('shows the differing examples, largest change first, leaving identical ones out', () => {
    const order = [...html.matchAll(/<h3>(\d)\. Example (\d+): ROUGE-L ([^<]+)<\/h3>/g)].map((m) => [m[2], m[3]]);
    assert.deepEqual(order, [['1', '+1.000'], ['2', '+0.800']]);
  });
});

describe('report.md', () => {
  const markdown = file('report.md');

  it('has the summary as a pipe table with right-aligned numbers', () => {
    assert.ok(
      markdown.includes(
        [
          '| Metric | Base | Fine-tuned | Change |',
          '| --- | ---: | ---: | ---: |',
          '| Exact match | 0.333 | 0.667 | +0.333 |',
          '| Token F1 | 0.333 | 0.933 | +0.600 |',
          '| ROUGE-L | 0.333 | 0.933 | +0.600 |',
          '| Loss (per token) | 2.0000 | 1.0000 | -1.0000 |',
          '| Perplexity | 7.39 | 2.72 | -4.67 |',
        ].join('\n'),
      ),
      markdown,
    );
  });

  it('links the loss chart and keeps outputs literal inside fences', () => {
    assert.match(markdown, /!\[Training loss by step\]\(loss\.svg\)/);
    assert.match(markdown, /```text\n<script>alert\("x"\)<\/script> & goodbye\n```/);
    assert.match(markdown, /````text\nhello world \| ``` fenced\n````/);
    assert.match(markdown, /- Fine-tuned model: runs\/&lt;adapter&gt;/);
  });
});

describe('writeReport', () => {
  it('writes report.md, report.html and loss.svg, leaving no temp files', async () => {
    const folder = join(await root, 'eval');
    const paths = await writeReport(folder, input);
    assert.deepEqual(paths.map((p) => p.slice(folder.length + 1)), ['report.md', 'report.html', 'loss.svg']);
    assert.deepEqual((await readdir(folder)).sort(), ['loss.svg', 'report.html', 'report.md']);
    assert.match(await readFile(join(folder, 'loss.svg'), 'utf8'), /^<svg [\s\S]*<polyline class="train-loss"/);
  });

  it('writes no chart without a training log', async () => {
    const folder = join(await root, 'no-log');
    await writeReport(folder, { ...input, trainingLog: undefined });
    assert.deepEqual((await readdir(folder)).sort(), ['report.html', 'report.md']);
    assert.doesNotMatch(await readFile(join(folder, 'report.html'), 'utf8'), /<svg/);
  });
});

describe('a report with a prompted baseline', () => {
  const prompted = compareOutputs([
    { prompt: 'Capital of France?', reference: 'Paris', baseOutput: 'London', tunedOutput: 'Paris', promptedOutput: 'Paris, France' },
    { prompt: 'Same?', reference: 'yes', baseOutput: 'yes', tunedOutput: 'yes', promptedOutput: 'no' },
  ]);
  const withPrompted: ReportInput = { ...input, promptedName: 'big-model at http://x/v1 (zero-shot)', comparison: { ...input.comparison, examples: prompted } };

  it('puts the prompted column between base and fine-tuned, with n/a for loss, in both files', () => {
    const html = file('report.html', renderReport(withPrompted));
    assert.match(html, /<th>Base<\/th><th>Prompted<\/th><th>Fine-tuned<\/th>/);
    assert.match(html, /<tr><td>Exact match<\/td><td>0\.500<\/td><td>0\.000<\/td><td>1\.000<\/td><td class="better">\+0\.500<\/td><\/tr>/);
    assert.match(html, /<tr><td>Perplexity<\/td><td>7\.39<\/td><td>n\/a<\/td><td>2\.72<\/td>/);
    assert.match(html, /<div class="label">Prompted <span class="scores">ROUGE-L 0\.667/);
    assert.match(html, /<dt>Prompted baseline<\/dt><dd>big-model at http:\/\/x\/v1 \(zero-shot\)<\/dd>/);
    const md = file('report.md', renderReport(withPrompted));
    assert.match(md, /\| Exact match \| 0\.500 \| 0\.000 \| 1\.000 \| \+0\.500 \|/);
    assert.match(md, /\*\*Prompted\*\* \(ROUGE-L 0\.667, F1 0\.667, exact match 0\)\n\n```text\nParis, France\n```/);
  });

  it('has no prompted column without one', () => {
    assert.doesNotMatch(file('report.html'), /Prompted/);
  });
});
