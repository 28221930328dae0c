// Runs the CLI in this process for tests (a child process spends seconds starting).
import { main } from '../main.js';

/**
 * `tuna ...args`: the exit code and the text written to stdout and stderr. Only text is captured:
 * the test runner's own reports, which also go through process.stdout, are binary and pass through.
 */
export async function tuna(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const sinks = { stdout: [] as string[], stderr: [] as string[] };
  const saved = { stdout: process.stdout.write, stderr: process.stderr.write };
  const capture = (sink: string[], original: typeof process.stdout.write, stream: NodeJS.WriteStream) =>
    ((chunk: unknown, ...rest: unknown[]) => {
      if (typeof chunk !== 'string') return (original as (...a: unknown[]) => boolean).call(stream, chunk, ...rest);
      sink.push(chunk);
      return true;
    }) as typeof process.stdout.write;
  process.stdout.write = capture(sinks.stdout, saved.stdout, process.stdout);
  process.stderr.write = capture(sinks.stderr, saved.stderr, process.stderr);
  try {
    const code = await main(['node', 'tuna', ...args]);
    return { code, stdout: sinks.stdout.join(''), stderr: sinks.stderr.join('') };
  } finally {
    process.stdout.write = saved.stdout;
    process.stderr.write = saved.stderr;
  }
}

