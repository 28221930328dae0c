import { TunaInputError } from '../errors.js';

/** Bad usage of the command line: printed without a stack trace, exit code 2. */
export class UsageError extends TunaInputError {
  override name = 'UsageError';
}
