/** Parsing of command-line values shared by the commands: a bad value is a typed error naming the flag. */
import { ParlaError } from '../errors.js';

/** A finite number, or undefined when the flag was not given. */
export function numberFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new ParlaError('invalid_input', `${flag} must be a number, got "${value}"`, { param: flag });
  return n;
}

/** `on` or `off` as a boolean. */
export function onOff(value: string, flag: string): boolean {
  if (value === 'on') return true;
  if (value === 'off') return false;
  throw new ParlaError('invalid_input', `${flag} must be on or off, got "${value}"`, { param: flag });
}

/** An integer in [min, max] (a bad one names the flag and the range), or undefined when the flag was not given. */
export function intFlag(value: string, flag: string, min?: number, max?: number): number;
export function intFlag(value: string | undefined, flag: string, min?: number, max?: number): number | undefined;
export function intFlag(value: string | undefined, flag: string, min = -Infinity, max = Infinity): number | undefined {
  const n = numberFlag(value, flag);
  if (n === undefined) return undefined;
  if (!Number.isInteger(n) || n < min || n > max) {
    const range = Number.isFinite(min) && Number.isFinite(max) ? ` from ${min} to ${max}` : '';
    throw new ParlaError('invalid_input', `${flag} must be an integer${range}, got "${value}"`, { param: flag });
  }
  return n;
}

/** The flags of the engine's option names, for the messages of checks shared with the API (asFlagErrors). */
export const OPTION_FLAGS: Record<string, string> = {
  temperature: '--temperature',
  topP: '--top-p',
  topK: '--top-k',
  guidance: '--guidance',
  candidates: '--candidates',
  spliceWords: '--splice-words',
  retryAbove: '--retry-above',
};

/**
 * Runs a check of the engine's (or a synthesis, async), whose errors name its option ("sampling parameter topP:
 * ..."), so that the message names the flag the user typed (--top-p) instead.
 */
export function asFlagErrors<T>(check: () => T): T {
  let result: T;
  try {
    result = check();
  } catch (err) {
    throw toFlagError(err);
  }
  return (result instanceof Promise ? result.catch((err: unknown) => Promise.reject(toFlagError(err))) : result) as T;
}

function toFlagError(err: unknown): unknown {
  const flag = err instanceof ParlaError && err.param ? OPTION_FLAGS[err.param] : undefined;
  if (!flag || !(err instanceof ParlaError)) return err;
  const message = err.message.replace(new RegExp(`^(sampling parameter )?${err.param}\\b:?`), flag);
  return new ParlaError(err.code, message, { param: flag, cause: err });
}
