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
