import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { COMMANDS } from './commands/index.js';
import { withCommands } from './readme-options.js';

describe('README', () => {
  it('documents every command with the options its schema defines (run `npm run docs` after changing one)', async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    assert.equal(readme, withCommands(readme));
    for (const spec of COMMANDS) assert.ok(readme.includes(`### \`tuna ${spec.name}`), spec.name);
  });
});
