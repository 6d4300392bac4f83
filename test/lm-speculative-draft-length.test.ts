// Adaptive draft length: k follows the observed acceptance rate within its bounds; bad options are refused.
import { describe, expect, it } from 'vitest';
import { ParlaError } from '../src/errors.js';
import { DraftLengthController, type DraftLengthOptions } from '../src/lm/sampling/index.js';

describe('DraftLengthController', () => {
  it('starts at initialK and reports NaN acceptance before any draft', () => {
    const c = new DraftLengthController();
    expect(c.draftLength).toBe(4);
    expect(c.acceptanceRate).toBeNaN();
  });

  it('climbs to maxK when every draft is accepted', () => {
    const c = new DraftLengthController({ minK: 1, maxK: 8, initialK: 2 });
    for (let i = 0; i < 5; i++) c.observe(c.draftLength, c.draftLength);
    expect(c.draftLength).toBe(8);
    expect(c.acceptanceRate).toBe(1);
  });

  it('drops to minK when the first drafted position is always rejected', () => {
    const c = new DraftLengthController({ minK: 2, maxK: 6, initialK: 6 });
    for (let i = 0; i < 5; i++) c.observe(c.draftLength, 0);
    expect(c.draftLength).toBe(2);
    expect(c.acceptanceRate).toBe(0);
  });

  // With alpha = 0.8 and draft cost 0.1, (1 - 0.8^(k+1)) / 0.2 / (1 + 0.1 k) is 1.64, 2.03, 2.27, 2.40, 2.46,
  // 2.470, 2.448 for k = 1..7: the best k is 6. With cost 0.5 it is 1.20, 1.22, 1.18, ...: the best k is 2.
  it.each<[number, number]>([
    [0.1, 6],
    [0.5, 2],
  ])('alpha = 0.8, draft cost %d -> k = %i', (draftCost, expectedK) => {
    const c = new DraftLengthController({ draftCost });
    // 4 accepted then a rejection: 4 successes in 5 trials, alpha = 0.8 exactly.
    for (let i = 0; i < 3; i++) c.observe(8, 4);
    expect(c.estimatedAlpha).toBeCloseTo(0.8, 12);
    expect(c.draftLength).toBe(expectedK);
    expect(c.acceptanceRate).toBe(0.5);
  });

  it('adapts back down when acceptance falls (recent observations weigh more)', () => {
    const c = new DraftLengthController({ decay: 0.5 });
    for (let i = 0; i < 4; i++) c.observe(c.draftLength, c.draftLength);
    expect(c.draftLength).toBe(8);
    for (let i = 0; i < 6; i++) c.observe(c.draftLength, 0);
    expect(c.draftLength).toBe(1);
  });

  it.each<[DraftLengthOptions, string]>([
    [{ minK: 0 }, 'minK'],
    [{ minK: 3, maxK: 2 }, 'maxK'],
    [{ initialK: 9 }, 'initialK'],
    [{ draftCost: -1 }, 'draftCost'],
    [{ decay: 1 }, 'decay'],
  ])('refuses %o', (options, param) => {
    expect(() => new DraftLengthController(options)).toThrow(expect.objectContaining({ code: 'invalid_input', param }));
  });

  it.each<[number, number, string]>([
    [0, 0, 'proposed'],
    [3, 4, 'accepted'],
    [3, -1, 'accepted'],
  ])('refuses observe(%i, %i)', (proposed, accepted, param) => {
    const c = new DraftLengthController();
    expect(() => c.observe(proposed, accepted)).toThrow(ParlaError);
    expect(() => c.observe(proposed, accepted)).toThrow(expect.objectContaining({ param }));
  });
});
