// Errors in the OpenAI API's shape: an HTTP status and {error: {message, type, param, code}}.
import { TunaInputError } from '../errors.js';

export class ApiError extends Error {
  override name = 'ApiError';

  constructor(
    readonly status: number,
    message: string,
    readonly type = 'invalid_request_error',
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
  }

  body(): { error: { message: string; type: string; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export const badRequest = (message: string, param: string | null = null, code: string | null = null) =>
  new ApiError(400, message, 'invalid_request_error', param, code);

export const serverError = (message: string) => new ApiError(500, message, 'server_error');

/** Any failure as an API error: bad user input is a 400, anything else a 500 that names what failed. */
export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof TunaInputError) return badRequest(error.message);
  return serverError(`the server failed: ${error instanceof Error ? error.message : String(error)}`);
}
