import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { initModel } from '../../models/init-model.js';
import { testDir } from '../../testing/temp-dir.js';

const cli = fileURLToPath(new URL('../run.ts', import.meta.url));

function runChat(args: string[], input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', cli, 'chat', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe('tuna chat', () => {
  it('answers each line from piped stdin, honours /reset and /exit, with a seeded reply', async () => {
    const dir = join(testDir('tuna-chat-'), 'tiny');
    await initModel({ arch: 'llama', preset: 'tiny', out: dir, seed: 3 });
    const args = ['--model', dir, '--max-new-tokens', '6', '--temperature', '0', '--system', 'Be brief.'];
    const a = await runChat(args, '/help\nhello there\n/reset\nhello there\n/resett\n/exit\nnever read\n');
    assert.equal(a.code, 0, a.stderr);
    // /help lists the commands and is not sent to the model; a mistyped command is not sent either.
    const help = a.stdout.split('\n').filter((l) => /^  (\/help|\/reset|\/exit|Ctrl-C) /.test(l));
    assert.equal(help.length, 4, a.stdout);
    assert.match(a.stdout, /unknown command \/resett; \/help lists the commands/);
    const lines = a.stdout.split('\n').filter((l) => !l.startsWith('  ') && !l.startsWith('unknown command'));
    assert.ok(lines.includes('(conversation cleared)'), a.stdout);
    // Greedy replies to the same first message, before and after /reset, are the same text.
    const [first, , second] = lines;
    assert.equal(first, second);
    assert.ok(!a.stdout.includes('never read'));
  });

  it('refuses a missing model folder with exit code 2', async () => {
    const r = await runChat(['--model', '/nonexistent/folder'], '');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /nonexistent/);
  });
});
