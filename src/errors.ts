/** The one error type Parla throws for problems a user can fix (bad input, missing model, unsupported format). */

/** Machine-readable reason; the HTTP layer maps these to status codes. */
export type ParlaErrorCode =
  | 'invalid_input'
  | 'empty_input'
  | 'unsupported_language'
  | 'unknown_symbol'
  | 'unsupported_format'
  | 'not_audio'
  | 'audio_too_short'
  | 'audio_too_long'
  | 'audio_truncated'
  | 'audio_silent'
  | 'file_not_found'
  | 'model_invalid'
  | 'model_missing'
  | 'voice_not_found'
  | 'tool_missing'
  | 'busy'
  | 'unavailable'
  | 'unauthorized'
  | 'not_found'
  | 'method_not_allowed'
  | 'too_large'
  | 'cancelled'
  | 'internal';

export class ParlaError extends Error {
  readonly code: ParlaErrorCode;
  /** The parameter, field or file the problem is about, when there is one. */
  readonly param?: string;

  constructor(code: ParlaErrorCode, message: string, options: { param?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ParlaError';
    this.code = code;
    this.param = options.param;
  }
}

/** The same error, naming the field as the caller knows it (the engine's "text" is the API's "input"); others unchanged. */
export function renameParam(err: unknown, from: string, to: string): unknown {
  return err instanceof ParlaError && err.param === from ? new ParlaError(err.code, err.message, { param: to, cause: err.cause }) : err;
}

export function isParlaError(err: unknown): err is ParlaError {
  return err instanceof ParlaError;
}
