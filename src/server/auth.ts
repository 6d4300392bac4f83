/** Optional bearer-token check for /v1/*: constant-time comparison, OpenAI's 401 envelope on failure. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { ParlaError } from '../errors.js';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** @param apiKey when undefined every request passes */
export function requireApiKey(apiKey: string | undefined): RequestHandler {
  if (!apiKey) return (_req, _res, next) => next();
  const expected = digest(apiKey);
  return (req, _res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer(?:\s+(.*))?$/i.exec(header.trim());
    // Hashing first makes both sides the same length, so timingSafeEqual leaks nothing about the key's length.
    const key = match?.[1]?.trim() ?? '';
    if (key && timingSafeEqual(digest(key), expected)) return next();
    const message = match
      ? key
        ? 'Incorrect API key provided.'
        : 'Missing API key after "Bearer": send "Authorization: Bearer <key>".'
      : header
        ? 'The Authorization header must be "Bearer <key>"; another scheme or a bare key is not accepted.'
        : 'Missing API key: send "Authorization: Bearer <key>" (the server was started with PARLA_API_KEY).';
    next(new ParlaError('unauthorized', message, { param: 'authorization' }));
  };
}
