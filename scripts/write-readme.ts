// Rewrites the README's generated "Commands" section from the command schemas.
import { readFile, writeFile } from 'node:fs/promises';
import { withCommands } from '../src/cli/readme-options.js';

const path = new URL('../README.md', import.meta.url);
await writeFile(path, withCommands(await readFile(path, 'utf8')));
