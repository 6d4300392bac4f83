/** The API's one error shape: ParlaError codes mapped to HTTP statuses and OpenAI's `{"error": {...}}` envelope. */
import type { ErrorRequestHandler, Response } from 'express';
import { isParlaError, ParlaError, type ParlaErrorCode } from '../errors.js';

/** OpenAI's error envelope. */
export interface ErrorEnvelope {
  error: { message: string; type: string; param: string | null; code: string | null };
}

const STATUS: Record<ParlaErrorCode, number> = {
  invalid_input: 400,
  empty_input: 400,
  unsupported_language: 400,
  unknown_symbol: 400,
  unsupported_format: 400,
  not_audio: 400,
  audio_too_short: 400,
  audio_truncated: 400,
  audio_silent: 400,
  audio_too_long: 413,
  too_large: 413,
  unauthorized: 401,
  voice_not_found: 404,
  not_found: 404,
  method_not_allowed: 405,
  busy: 429,
  unavailable: 503,
  model_missing: 503,
  model_invalid: 503,
  // The server never takes file paths from clients, so a missing file is the server's own problem.
  file_not_found: 500,
  tool_missing: 500,
  internal: 500,
  // Nobody is listening any more; 499 is nginx's "client closed request", for logs and metrics only.
  cancelled: 499,
};

/** Seconds a client should wait before retrying a 429/503 (attached as Retry-After). */
export const RETRY_AFTER_SECONDS = 5;

export function statusOf(err: ParlaError): number {
  return STATUS[err.code] ?? 500;
}

/** OpenAI's `type`: invalid_request_error for client mistakes, server_error otherwise. */
function typeOf(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 429) return 'rate_limit_error';
  return status < 500 ? 'invalid_request_error' : 'server_error';
}

export function envelope(err: ParlaError): ErrorEnvelope {
  return { error: { message: err.message, type: typeOf(statusOf(err)), param: err.param ?? null, code: err.code } };
}

/** Anything thrown -> ParlaError; body-parser and multer errors keep their meaning (413 stays 413). */
export function toParlaError(err: unknown): ParlaError {
  if (isParlaError(err)) return err;
  const e = err as { type?: string; status?: number; code?: string; message?: string; field?: string; name?: string };
  if (e?.type === 'entity.too.large' || e?.code === 'LIMIT_FILE_SIZE' || e?.code === 'LIMIT_FIELD_VALUE') {
    return new ParlaError('too_large', `request too large: ${e.message ?? 'over the size limit'}`, { param: e.field });
  }
  if (e?.type === 'entity.parse.failed') return new ParlaError('invalid_input', `request body is not valid JSON: ${e.message}`);
  if (e?.name === 'MulterError') {
    // The usual mistake is the field name: say which one the audio goes in.
    const hint = e.code === 'LIMIT_UNEXPECTED_FILE' ? ` "${e.field}"; send the audio in the multipart field "file"` : '';
    return new ParlaError('invalid_input', `upload rejected: ${e.message}${hint}`, { param: e.field });
  }
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') return new ParlaError('invalid_input', e.message ?? 'unsupported body encoding');
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) return new ParlaError('invalid_input', e.message ?? 'bad request');
  return new ParlaError('internal', 'internal server error', { cause: err });
}

/** Send an error in the envelope (or, if audio already started, cut the response so the client sees a failure). */
export function sendError(res: Response, err: unknown): void {
  const pe = toParlaError(err);
  if (res.headersSent) {
    res.destroy(pe);
    return;
  }
  const status = statusOf(pe);
  if (status === 429 || status === 503) res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
  res.status(status).json(envelope(pe));
}

/** Express's final error handler; internal errors are logged with their cause, never shown to the client. */
export function errorHandler(log: (err: unknown) => void): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    const pe = toParlaError(err);
    if (statusOf(pe) >= 500) log(err);
    sendError(res, pe);
  };
}
