// A file of its own: vitest runs each file in a fresh process, so espeak-ng's module is loaded here for the first time.
import { expect, it } from 'vitest';
import { phonemize } from '../src/text/phonemize.js';

it('leaves no process-wide error handlers behind from the espeak-ng WASM module', async () => {
  const count = () => process.listenerCount('unhandledRejection') + process.listenerCount('uncaughtException');
  const before = count();
  expect(await phonemize('Load the module.')).toBe('lˈoʊd ðə mˈɑːdʒuːl.');
  expect(count()).toBe(before);
});
