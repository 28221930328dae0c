import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StopMatcher } from './stop-sequences.js';

/** Feeds pieces; returns the text sent and whether it stopped. */
function run(stops: string[], pieces: string[]): { sent: string[]; stopped: boolean; flushed: string } {
  const m = new StopMatcher(stops);
  const sent: string[] = [];
  let stopped = false;
  for (const p of pieces) {
    const r = m.push(p);
    sent.push(r.text);
    stopped ||= r.stopped;
  }
  return { sent, stopped, flushed: m.flush() };
}

test('text without stop strings passes through at once', () => {
  assert.deepEqual(run([], ['ab', 'c']), { sent: ['ab', 'c'], stopped: false, flushed: '' });
  assert.deepEqual(run(['', 'zz'], ['ab', 'c']), { sent: ['ab', 'c'], stopped: false, flushed: '' });
});

test('a stop string inside one piece cuts the text before it', () => {
  assert.deepEqual(run(['END'], ['abENDcd', 'more']), { sent: ['ab', ''], stopped: true, flushed: '' });
});

test('a stop string split over pieces is held back, never sent', () => {
  assert.deepEqual(run(['END'], ['abE', 'N', 'Dx']), { sent: ['ab', '', ''], stopped: true, flushed: '' });
});

test('held-back text that turns out not to be a stop string is released', () => {
  assert.deepEqual(run(['END'], ['abE', 'Nx']), { sent: ['ab', 'ENx'], stopped: false, flushed: '' });
  assert.deepEqual(run(['END'], ['abEN']), { sent: ['ab'], stopped: false, flushed: 'EN' });
});

test('the earliest of several stop strings wins', () => {
  assert.deepEqual(run(['\n\n', 'B'], ['xAB\n\n']), { sent: ['xA'], stopped: true, flushed: '' });
  assert.deepEqual(run(['long stop', 'p'], ['a long sto', 'p!']), { sent: ['a ', ''], stopped: true, flushed: '' });
});
