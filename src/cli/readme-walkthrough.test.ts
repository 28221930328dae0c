// The README's walkthrough, run as written: every `tuna` line of its ```sh blocks goes through
// bash (so its quoting is tested too) in a scratch folder holding a copy of examples/, in order,
// against a tiny model standing in for `M` and a scripted endpoint standing in for any
// http://localhost URL. Only speed is changed, by the flags in FASTER (fewer steps, fewer test
// answers); `tuna serve` is stopped with SIGTERM once it listens, and `tuna chat` reads /exit.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { startScriptedEndpoint, type ScriptedEndpoint } from '../endpoint/testing/scripted-endpoint.js';
import { initModel } from '../models/init-model.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** The shell lines of the README's Walkthrough section, continuation lines joined. */
export function walkthroughCommands(readme: string): string[] {
  const start = readme.indexOf('\n## Walkthrough');
  assert.ok(start >= 0, 'README has no "## Walkthrough" section');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end === -1 ? undefined : end);
  const lines: string[] = [];
  for (const [, body] of section.matchAll(/```sh\n([\s\S]*?)```/g)) {
    const joined = body!.replace(/\\\n\s*/g, '').split('\n');
    // A comment starts at " #" (none of the commands quote one).
    lines.push(...joined.map((l) => l.replace(/\s+#\s.*$/, '').trim()).filter((l) => l.startsWith('tuna ')));
  }
  return lines;
}

/** Flags added to make a command quick on a tiny model; given last, they win over the README's. */
function faster(line: string): string {
  const [, command] = line.split(/\s+/);
  if (command === 'train') return `${line} --max-steps ${/--resume/.test(line) ? 4 : 2}${/--model|--resume/.test(line) ? '' : ' --model "$M"'}`;
  if (command === 'eval') return `${line} --limit 3 --max-new-tokens 8`;
  if (command === 'generate' || command === 'chat') return `${line} --max-new-tokens 8`;
  return line;
}

/** The line with `M` as the tiny model, localhost URLs as the scripted endpoint, any port as a free one. */
function localized(line: string, endpoint: string): string {
  return faster(line)
    .replace(/(?<=\s)M(?=\s|$)/g, '"$M"')
    .replace(/http:\/\/localhost:\d+(\/v1)?/g, endpoint)
    .replace(/--port \d+/, '--port 0');
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function bash(line: string, cwd: string, env: NodeJS.ProcessEnv, options: { stdin?: string; untilListening?: boolean } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', line], { cwd, env, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (options.untilListening && !child.killed && /listening on http/.test(stdout)) child.kill('SIGTERM');
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

describe('the README walkthrough', () => {
  let root: string;
  let endpoint: ScriptedEndpoint;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'tuna-walkthrough-'));
    await initModel({ arch: 'llama', preset: 'tiny', out: join(root, 'model'), seed: 21 });
    await cp(join(REPO, 'examples'), join(root, 'work', 'examples'), { recursive: true });
    // `tuna` on the PATH runs this checkout's source, as `npx tuna` runs its build.
    await mkdir(join(root, 'bin'));
    const shim = join(root, 'bin', 'tuna');
    await writeFile(shim, `#!/bin/sh\nexec "${process.execPath}" --import "${import.meta.resolve('tsx')}" "${join(REPO, 'src/cli/run.ts')}" "$@"\n`);
    await chmod(shim, 0o755);
    // A prompted model that knows the answers: it looks the question up in the examples.
    const records = (await readFile(join(REPO, 'examples', 'tuna-docs.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    const answers = new Map(records.map((r) => [r.question, r.answer]));
    // It lists no models, as some servers do, so any name the README uses is accepted.
    // For `tuna synth` it proposes one pair copied from the chunk it is shown.
    endpoint = await startScriptedEndpoint({
      models: [],
      reply: (request) => {
        const asked = request.messages.findLast((m) => m.role === 'user')?.content ?? '';
        const chunk = /<excerpt>\n([\s\S]*?)\n<\/excerpt>/.exec(asked)?.[1];
        if (chunk !== undefined) return JSON.stringify({ pairs: [{ question: 'What does the handbook say first?', answer: chunk.split(/\s+/).slice(0, 12).join(' ') }] });
        return answers.get(asked) ?? 'I do not know.';
      },
    });
    // The documents `tuna synth docs/` reads.
    await mkdir(join(root, 'work', 'docs'));
    await writeFile(join(root, 'work', 'docs', 'handbook.md'), '# Handbook\n\nTuna fine-tunes small models on your own machine, with LoRA, QLoRA or full fine-tuning.\n');
    env = { ...process.env, PATH: `${join(root, 'bin')}:${process.env.PATH}`, M: join(root, 'model'), HF_HUB_OFFLINE: '1', NO_COLOR: '1' };
  });
  after(async () => {
    await endpoint?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('runs every command of every step, in order', async () => {
    const commands = walkthroughCommands(await readFile(join(REPO, 'README.md'), 'utf8'));
    const used = new Set(commands.map((c) => c.split(/\s+/)[1]));
    for (const command of ['synth', 'inspect', 'prepare', 'train', 'eval', 'generate', 'chat', 'merge', 'export', 'serve', 'quantize']) {
      assert.ok(used.has(command), `the walkthrough has no tuna ${command} line`);
    }
    for (const line of commands) {
      const command = line.split(/\s+/)[1];
      const run = await bash(localized(line, endpoint.url), join(root, 'work'), env, {
        stdin: command === 'chat' ? 'What is LoRA?\n/exit\n' : '',
        untilListening: command === 'serve',
      });
      assert.equal(run.code, 0, `${line}\n(run as: ${localized(line, endpoint.url)})\n${run.stderr}`);
    }
    const pairs = (await readFile(join(root, 'work', 'synth.jsonl'), 'utf8')).trim().split('\n');
    assert.equal(JSON.parse(pairs[0]!).source.file, 'docs/handbook.md');
    // What the later steps promise to have written.
    for (const file of ['synth.jsonl', 'data/test.jsonl', 'run/adapter/adapter_config.json', 'report/report.html', 'merged/model.safetensors', 'tuna-docs.gguf', 'tuna-docs-lora.gguf', 'm-4bit/config.json']) {
      await readFile(join(root, 'work', file));
    }
  });
});
