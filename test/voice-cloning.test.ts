/** The card's zero-shot cloning measure (model.json quality.tts["tts-zeroshot"]) as the API and web UI report it. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLONES_AT, measuredCloning } from '../src/engine/voice-cloning.js';

const card = (entry: unknown) => ({ quality: { tts: { 'tts-zeroshot': entry } } });

describe('measuredCloning', () => {
  it('gives similarity, ceiling and their ratio, and calls it cloning from the issue bar (0.8x) up', () => {
    expect(measuredCloning(card({ similarity: 0.28, similarity_ceiling: 0.624 }))).toEqual({ set: 'tts-zeroshot', similarity: 0.28, ceiling: 0.624, ratio: 0.45, clones: false });
    expect(measuredCloning(card({ similarity: 0.5, similarity_ceiling: 0.624 }))).toMatchObject({ ratio: 0.8, clones: true });
    expect(CLONES_AT).toBe(0.8);
  });

  it('is null when the card has not measured both numbers, or holds something else', () => {
    for (const manifest of [{ quality: null }, { quality: {} }, { quality: { tts: null } }, card(null), card([]), card({ similarity: 0.3 }), card({ similarity_ceiling: 0.6 }), card({ similarity: '0.3', similarity_ceiling: 0.6 }), card({ similarity: 0.3, similarity_ceiling: 0 })]) {
      expect(measuredCloning(manifest as never), JSON.stringify(manifest)).toBeNull();
    }
  });

  it('reads the shipped model card: it does not clone yet', () => {
    const manifest = JSON.parse(readFileSync('models/default/model.json', 'utf8'));
    const m = measuredCloning(manifest);
    expect(m).not.toBeNull();
    expect(m!.clones).toBe(false);
    expect(m!.ceiling).toBeGreaterThan(0.5);
  });
});
