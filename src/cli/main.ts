// The `tuna` command line: one file per command under src/cli/commands, registered here.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { TunaInputError } from '../errors.js';
import { buildCommand } from './command.js';
import { COMMANDS } from './commands/index.js';

/** The version in package.json (two folders up from both src/cli and dist/cli). */
export function tunaVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

/** Runs the `tuna` command line and resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const controller = new AbortController();
  let interrupts = 0;
  const onInterrupt = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    process.stderr.write('\ninterrupted: finishing the current step (Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onInterrupt);
  let exitCode = 0;
  const program = new Command('tuna')
    .description('Fine-tune large language models on your own machine.')
    .version(tunaVersion(), '-V, --version', 'print the version')
    .exitOverride()
    .showHelpAfterError()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const spec of COMMANDS) {
    program.addCommand(buildCommand(spec, controller.signal, (code) => (exitCode = code)).exitOverride());
  }
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof TunaInputError) {
      process.stderr.write(`tuna: ${err.message}\n`);
      return 2;
    }
    throw err;
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}
