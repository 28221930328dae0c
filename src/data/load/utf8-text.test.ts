import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decodeUtf8File, readUtf8Lines } from './utf8-text.js';

describe('readUtf8Lines', () => {
  it('splits lines across read chunks without breaking characters or CRLF', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'tuna-lines-'));
    try {
      // About 250 KB: several 64 KB read chunks, with multi-byte characters straddling their edges.
      const lines = Array.from({ length: 6000 }, (_, i) => `${i} é☕😀 ${'x'.repeat(i % 50)}`);
      const file = join(folder, 'big.jsonl');
      await writeFile(file, `\ufeff${lines.join('\r\n')}`);
      const read: string[] = [];
      for await (const { text, line } of readUtf8Lines(file)) {
        assert.equal(line, read.length + 1);
        read.push(text);
      }
      assert.deepEqual(read, lines);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});

describe('decodeUtf8File', () => {
  it('drops a BOM and names the first line with invalid bytes', () => {
    assert.equal(decodeUtf8File(Uint8Array.of(0xef, 0xbb, 0xbf, 0x61, 0x0d, 0x0a), 'f.json'), 'a\r\n');
    assert.throws(() => decodeUtf8File(Uint8Array.of(0x61, 0x0a, 0x62, 0x0a, 0xff), 'f.json'), /f\.json:3: the file is not valid UTF-8/);
  });
});
