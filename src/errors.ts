/** Bad input from the user (file, field, option): reported without a stack, exit code 2. */
export class TunaInputError extends Error {
  override name = 'TunaInputError';
}
