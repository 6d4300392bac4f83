/** checkLatinScript: a word the English front end would read out sign by sign is refused; English, numbers and lone symbols pass. */
import { describe, expect, it } from 'vitest';
import { isParlaError } from '../src/errors.js';
import { checkLatinScript } from '../src/text/script.js';

describe('checkLatinScript', () => {
  it.each(['Hello there.', 'Naïve café, Ærø, Łódź.', 'The value of π is 3.14.', '42', '$5.50', '...!', '🙂', 'ﬁne ligatures'])('passes %j', (text) => {
    expect(() => checkLatinScript(text)).not.toThrow();
  });

  it.each([
    ['日本語', 'Han', '日本語'],
    ['こんにちは Tokyo', 'Hiragana', 'こんにちは'],
    ['Привет, мир!', 'Cyrillic', 'Привет'],
    ['Москва is the capital of Russia.', 'Cyrillic', 'Москва'],
    ['The word שלום means peace.', 'Hebrew', 'שלום'],
    ['مرحبا', 'Arabic', 'مرحبا'],
    ['Ελλάδα, Greece', 'Greek', 'Ελλάδα'],
  ])('refuses %j, naming its script (%s)', (text, script, word) => {
    let err: unknown;
    try {
      checkLatinScript(text, 'input');
    } catch (e) {
      err = e;
    }
    expect(isParlaError(err) && [err.code, err.param]).toEqual(['unsupported_language', 'input']);
    expect((err as Error).message).toBe(`the text has a word in ${script} script ("${word}"): this model reads English; write it in Latin letters`);
  });
});
