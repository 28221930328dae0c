// Development entry point: `node --import tsx src/cli/run.ts <command> ...` runs the CLI from source.
import { main } from './main.js';

process.exitCode = await main(process.argv);
