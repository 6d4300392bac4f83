import { describe, expect, it } from 'vitest';
import { ttsRobustnessLine } from '../src/eval/run-report.js';
import type { TtsEvalResult } from '../src/eval/run-tts.js';

const withRobustness = (robustness: TtsEvalResult['robustness']): TtsEvalResult => ({ robustness }) as TtsEvalResult;

describe('the robustness line of a TTS evaluation', () => {
  it('counts the failures and names each failed sentence with its duration against the expected one', () => {
    const line = ttsRobustnessLine(withRobustness({
      total: 3, ok: 1, failures: { runaway: 1, looped: 1 },
      failed: [
        { text: 'Ha ha ha.', failures: ['runaway'], seconds: 4.1, expectedSeconds: 1.64 },
        { text: 'One, two, three.', failures: ['looped'], seconds: 2, expectedSeconds: 2 },
      ],
    }));
    expect(line).toBe([
      'Robustness on 3 hard sentences: 1 ok; failures: runaway 1, looped 1.',
      '- runaway: "Ha ha ha." (4.10 s, 2.50x the expected 1.64 s)',
      '- looped: "One, two, three." (2.00 s, 1.00x the expected 2.00 s)',
    ].join('\n'));
  });

  it('gives what pocketsphinx heard of a looped sentence, and lists the audio flags it did not hear as loops', () => {
    const line = ttsRobustnessLine(withRobustness({
      total: 2, ok: 1, failures: { looped: 1 },
      failed: [{ text: 'Red, blue.', failures: ['looped'], seconds: 3, expectedSeconds: 1.5, transcript: 'red blue blue' }],
      loopsNotHeard: [{ text: 'Monday, Tuesday.', transcript: 'monday tuesday' }],
    }));
    expect(line).toBe([
      'Robustness on 2 hard sentences: 1 ok; failures: looped 1.',
      '- looped: "Red, blue." (3.00 s, 2.00x the expected 1.50 s), heard as "red blue blue"',
      'Flagged as looped by the audio but heard said once (not counted as looped): 1.',
      '- "Monday, Tuesday." heard as "monday tuesday"',
    ].join('\n'));
  });

  it('reads records written before failed sentences were kept, and runs without a robustness pass', () => {
    expect(ttsRobustnessLine(withRobustness({ total: 5, ok: 5, failures: {} }))).toBe('Robustness on 5 hard sentences: 5 ok; failures: none.');
    expect(ttsRobustnessLine(withRobustness(null))).toBe('Robustness: not run.');
  });
});
