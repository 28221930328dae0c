import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fencedBlock, markdownInline, markdownTable } from './markdown-text.js';

describe('markdown text', () => {
  it('formats a pipe table with right-aligned number columns and escaped cells', () => {
    const table = markdownTable(
      [
        ['Metric', 'Base', 'Fine-tuned', 'Change'],
        ['ROUGE-L', '0.300', '0.700', '+0.400'],
        ['a|b <i>', '1', '2', '-1'],
      ],
      [false, true, true, true],
    );
    assert.equal(
      table,
      [
        '| Metric | Base | Fine-tuned | Change |',
        '| --- | ---: | ---: | ---: |',
        '| ROUGE-L | 0.300 | 0.700 | +0.400 |',
        '| a\\|b &lt;i&gt; | 1 | 2 | -1 |',
      ].join('\n'),
    );
  });

  it('keeps inline text literal and on one line', () => {
    assert.equal(markdownInline('# not *a* heading\n<script>'), '\\# not \\*a\\* heading &lt;script&gt;');
    assert.equal(markdownInline('1. not a list'), '1\\. not a list');
  });

  it('fences text with more backticks than it contains', () => {
    assert.equal(fencedBlock('plain'), '```text\nplain\n```');
    assert.equal(fencedBlock('has ``` inside\n'), '````text\nhas ``` inside\n````');
  });
});
