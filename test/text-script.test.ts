/** checkLatinScript: text the English front end would spell out sign by sign is refused; English, mixed and numeric text passes. */
import { describe, expect, it } from 'vitest';
import { isParlaError } from '../src/errors.js';
import { checkLatinScript } from '../src/text/script.js';

describe('checkLatinScript', () => {
  it.each(['Hello there.', 'Naïve café.', 'Tokyo (東京) is large.', 'Москва and London.', '42', '$5.50', '...!', '🙂'])('passes %j', (text) => {
    expect(() => checkLatinScript(text)).not.toThrow();
  });

  it.each([
    ['日本語', 'Han'],
    ['こんにちは', 'Hiragana'],
    ['Привет, мир!', 'Cyrillic'],
    ['שלום', 'Hebrew'],
    ['مرحبا', 'Arabic'],
    ['Γειά σου', 'Greek'],
  ])('refuses %j, naming its script (%s)', (text, script) => {
    let err: unknown;
    try {
      checkLatinScript(text, 'input');
    } catch (e) {
      err = e;
    }
    expect(isParlaError(err) && [err.code, err.param]).toEqual(['unsupported_language', 'input']);
    expect((err as Error).message).toBe(`the text is in ${script} script, with no Latin letters: this model reads English ("${text}")`);
  });
});
