import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { testDir } from '../testing/temp-dir.js';

// onnxruntime keeps its telemetry store under the home folder (~/.cache/Microsoft/...).
describe('onnxruntime telemetry', () => {
  it('is off: running a session writes nothing under the home folder and the opt-out is set', () => {
    const home = testDir('tuna-home-');
    const script = join(testDir('tuna-telemetry-'), 'run.mts');
    writeFileSync(script, `
      import { Graph } from '${new URL('../graph/graph.ts', import.meta.url).pathname}';
      import { Runtime } from '${new URL('./runtime.ts', import.meta.url).pathname}';
      const rt = new Runtime({ threads: 1 });
      const g = new Graph();
      const x = g.input('x', [2]);
      const out = await (await rt.compile(g, { y: g.neg(x) })).run({ x: new Float32Array([1, 2]) });
      await rt.close();
      console.log(JSON.stringify({ y: [...out.y.data], optOut: process.env.ORT_DISABLE_TELEMETRY }));`);
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
    for (const name of ['ORT_DISABLE_TELEMETRY', 'XDG_CACHE_HOME', 'CI', 'GITHUB_ACTIONS', 'TF_BUILD']) delete env[name];
    const printed = execFileSync(process.execPath, ['--import', 'tsx', script], { env, encoding: 'utf8' });
    assert.deepEqual(readdirSync(home, { recursive: true }), []);
    assert.deepEqual(JSON.parse(printed.trim().split('\n').at(-1)!), { y: [-1, -2], optOut: '1' });
  });
});
