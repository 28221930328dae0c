import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { TunaInputError } from '../errors.js';
import { parseMetricsLog, readMetricsLog } from './metrics-log.js';

const root = mkdtemp(join(tmpdir(), 'tuna-metrics-log-'));
after(async () => rm(await root, { recursive: true, force: true }));

describe('parseMetricsLog', () => {
  it('reads one object per line, eval_loss on some, skipping blank lines', () => {
    const text =
      '{"step":1,"epoch":0.1,"loss":2.3,"lr":0.0002,"grad_norm":1.1,"tokens_per_s":300,"elapsed":3.2}\n\n' +
      '{"step":2,"epoch":0.2,"loss":2.1,"eval_loss":2.5,"lr":0.0002,"grad_norm":0.9,"tokens_per_s":310,"elapsed":6.1}\n';
    const lines = parseMetricsLog(text);
    assert.equal(lines.length, 2);
    assert.equal(lines[1]!.eval_loss, 2.5);
    assert.equal(lines[0]!.eval_loss, undefined);
  });

  it('ignores an unfinished last line of a run still writing', () => {
    assert.equal(parseMetricsLog('{"step":1,"loss":2}\n{"step":2,"lo').length, 1);
  });

  it('names the file and line of a bad entry', () => {
    assert.throws(() => parseMetricsLog('{"step":1}\nnot json\n{"step":3}\n', 'run/metrics.jsonl'), (error: unknown) => {
      assert.ok(error instanceof TunaInputError);
      assert.match(error.message, /^run\/metrics\.jsonl:2: not valid JSON/);
      return true;
    });
    assert.throws(() => parseMetricsLog('{"loss":1}\n'), /metrics\.jsonl:1: field "step" must be a number/);
    assert.throws(() => parseMetricsLog('{"step":1,"loss":"2.3"}\n'), /field "loss" must be a number or null/);
  });
});

describe('readMetricsLog', () => {
  it('reads a file and explains a missing one', async () => {
    const path = join(await root, 'metrics.jsonl');
    await writeFile(path, '{"step":1,"loss":2}\n');
    assert.deepEqual(await readMetricsLog(path), [{ step: 1, loss: 2 }]);
    await assert.rejects(readMetricsLog(join(await root, 'missing.jsonl')), /does not exist: give the metrics\.jsonl/);
  });
});
