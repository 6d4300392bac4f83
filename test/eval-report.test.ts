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

  it('reads records written before failed sentences were kept, and runs without a robustness pass', () => {
    expect(ttsRobustnessLine(withRobustness({ total: 5, ok: 5, failures: {} }))).toBe('Robustness on 5 hard sentences: 5 ok; failures: none.');
    expect(ttsRobustnessLine(withRobustness(null))).toBe('Robustness: not run.');
  });
});
