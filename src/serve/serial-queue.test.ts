import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SerialQueue } from './serial-queue.js';

test('tasks run one at a time in arrival order', async () => {
  const queue = new SerialQueue();
  const log: string[] = [];
  let running = 0;
  const task = (name: string, ms: number) => queue.run(async () => {
    running++;
    assert.equal(running, 1, 'two tasks ran at once');
    log.push(`start ${name}`);
    await sleep(ms);
    log.push(`end ${name}`);
    running--;
    return name;
  });
  const results = await Promise.all([task('a', 5), task('b', 1), task('c', 0)]);
  assert.deepEqual(results, ['a', 'b', 'c']);
  assert.deepEqual(log, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  assert.equal(queue.length, 0);
});

test('a waiting task whose signal aborts leaves the line; the others still run', async () => {
  const queue = new SerialQueue();
  const ran: string[] = [];
  const controller = new AbortController();
  const first = queue.run(async () => {
    await sleep(5);
    ran.push('first');
  });
  const dropped = queue.run(async () => {
    ran.push('dropped');
  }, controller.signal);
  const last = queue.run(async () => {
    ran.push('last');
  });
  assert.equal(queue.length, 2);
  controller.abort();
  await assert.rejects(dropped, { name: 'AbortError' });
  assert.equal(queue.length, 1);
  await Promise.all([first, last]);
  assert.deepEqual(ran, ['first', 'last']);
});

test('a failing task frees the queue for the next', async () => {
  const queue = new SerialQueue();
  await assert.rejects(queue.run(async () => {
    throw new Error('boom');
  }), /boom/);
  assert.equal(await queue.run(async () => 7), 7);
});

test('an already aborted signal is refused at once', async () => {
  const queue = new SerialQueue();
  await assert.rejects(queue.run(async () => 1, AbortSignal.abort()), { name: 'AbortError' });
  assert.equal(await queue.run(async () => 2), 2);
});
