import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StopStringFilter } from './stop-strings.js';

function feed(stops: string[], pieces: string[]) {
  const filter = new StopStringFilter(stops);
  const shown: string[] = [];
  for (const piece of pieces) {
    shown.push(filter.push(piece));
    if (filter.stopped) break;
  }
  shown.push(filter.flush());
  return { shown: shown.join(''), parts: shown, stopped: filter.stopped, finalText: filter.finalText };
}

test('without stop strings every piece passes through at once', () => {
  const out = feed([], ['Hel', 'lo', ' world']);
  assert.deepEqual(out.parts, ['Hel', 'lo', ' world', '']);
  assert.equal(out.stopped, false);
});

test('a stop string inside one piece cuts the text before it', () => {
  const out = feed(['\n\n'], ['Answer: 4', '2.\n\nQuestion', ': more']);
  assert.equal(out.shown, 'Answer: 42.');
  assert.equal(out.finalText, 'Answer: 42.');
  assert.equal(out.stopped, true);
});

test('a stop string spanning pieces is held back, never shown in part', () => {
  const out = feed(['###'], ['one #', '#', '# two']);
  assert.deepEqual(out.parts, ['one ', '', '', '']);
  assert.equal(out.finalText, 'one ');
});

test('held-back text that does not become a stop string is released', () => {
  const out = feed(['</end>'], ['a </', 'b> c', ' </en']);
  assert.equal(out.parts[0], 'a ');
  assert.equal(out.parts[1], '</b> c');
  assert.equal(out.parts[2], ' ');
  assert.equal(out.parts[3], '</en');
  assert.equal(out.shown, 'a </b> c </en', 'the unfinished tail comes out at flush');
  assert.equal(out.stopped, false);
});

test('the earliest of several stop strings wins; empty stop strings are ignored', () => {
  const out = feed(['', 'END', 'STOP'], ['x STOP y END']);
  assert.equal(out.finalText, 'x ');
});
