import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProgressBar, formatDuration } from './progress.js';

function terminal() {
  const writes: string[] = [];
  return { stream: { isTTY: true, write: (text: string) => writes.push(text) }, writes, screen: () => writes.join('') };
}

test('after a resume the ETA comes from the steps this process ran, not from step 0', () => {
  let ms = 0;
  const { stream, writes } = terminal();
  const bar = new ProgressBar(stream, 10, () => ms);
  // Resumed at step 50 of 60: each step takes 2.9 s, so 10 steps are 29 s.
  ms = 2900;
  bar.update({ step: 51, total: 60 });
  assert.match(writes.at(-1)!, /ETA 26s/);
  ms = 5800;
  bar.update({ step: 52, total: 60 });
  assert.match(writes.at(-1)!, /ETA 23s/);
  assert.equal(formatDuration(89), '1m29s');
});

test('a message printed during the bar starts on its own line and the bar is drawn again below it', () => {
  const { stream, screen } = terminal();
  const bar = new ProgressBar(stream, 10, () => 0);
  const log: string[] = [];
  bar.update({ step: 1, total: 4 });
  bar.print(() => stream.write('saved run/checkpoint-1\n'));
  bar.print(() => log.push('not written to the stream'));
  bar.done();
  const text = screen();
  // The bar's line is cleared before the message, so it never reads "ETA 25ssaved ...".
  assert.match(text, /\r\x1b\[Ksaved run\/checkpoint-1\n/);
  assert.doesNotMatch(text, /s(saved)/);
  assert.match(text, /\nstep 1\/4 [^\n]*\n$/);
  assert.deepEqual(log, ['not written to the stream']);
});

test('off a terminal the bar prints whole lines and messages pass through untouched', () => {
  const writes: string[] = [];
  const bar = new ProgressBar({ isTTY: false, write: (t: string) => writes.push(t) }, 10, () => 0);
  bar.update({ step: 1, total: 2 });
  bar.print(() => writes.push('message\n'));
  bar.update({ step: 2, total: 2 });
  bar.done();
  assert.equal(writes.length, 3);
  assert.ok(writes.every((w) => w.endsWith('\n') && !w.includes('\r')));
});

test('extra fields go between the bar and the times', () => {
  const { stream, writes } = terminal();
  new ProgressBar(stream, 4, () => 0).update({ step: 1, total: 2, label: 'chunk', extra: 'kept 3  dropped 1' });
  assert.match(writes.at(-1)!, /^\rchunk 1\/2  \[=>  \]  kept 3  dropped 1  elapsed 0s  ETA /);
});
