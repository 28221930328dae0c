import { Command, CommanderError } from 'commander';
import { UsageError } from './errors.js';

/** Runs the `tuna` command line and resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = new Command('tuna')
    .description('Fine-tune large language models on your own machine.')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  program
    .command('quickstart')
    .description('Run the whole pipeline (inspect, prepare, LoRA fine-tune, evaluate) on a bundled example.')
    .action(() => {
      throw new UsageError('tuna quickstart is not yet available in this version.');
    });

  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof UsageError) {
      process.stderr.write(`tuna: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
