import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeAudio } from '../src/audio/decode.js';
import { findPocketsphinx } from '../src/eval/asr.js';
import { fidelityTable, measureFidelity, type EvalUtterance } from '../src/eval/codec-fidelity.js';
import { opusRoundTrip } from '../src/eval/codecs-classical.js';
import { sharedDataDir } from '../src/eval/shared-data.js';

const installed = findPocketsphinx() !== undefined;
if (!installed) console.warn('pocketsphinx is not installed (Debian packages pocketsphinx, pocketsphinx-en-us): skipping fidelity tests');

let set: EvalUtterance[];
beforeAll(async () => {
  const id = 'arctic_a0115_1592745922';
  const audio = await decodeAudio(path.join(sharedDataDir(), 'kathleen', 'audio', `${id}.opus`));
  set = [{ id, text: 'He had no excuse for the feelings which were aroused in him.', audio }];
});

describe.skipIf(!installed)('measureFidelity', () => {
  it('scores the originals as perfect on signal metrics and a codec as worse, in one table', async () => {
    const original = await measureFidelity('original', set, null);
    expect(original.stoi).toBeCloseTo(1, 6);
    expect(original.melDistance).toBe(0);
    expect(original.wer.refLength).toBe(12);
    const opus = await measureFidelity('Opus 6 kbps', set, async (pcm) => (await opusRoundTrip(pcm)).audio);
    expect(opus.stoi).toBeLessThan(0.99);
    expect(opus.melDistance).toBeGreaterThan(opus.melDistanceNarrow); // the empty 4-8 kHz band dominates
    expect(opus.rows[0].id).toBe(set[0].id);
    const table = fidelityTable([original, opus]).split('\n');
    expect(table).toHaveLength(4);
    expect(table[2]).toMatch(/^\| original \| [\d.]+% \| (1\.00|-) \|/); // "-" when the original scores 0%
    expect(table[3]).toMatch(/^\| Opus 6 kbps \|/);
  });

  it('pads a short round-trip output to the input length instead of failing', async () => {
    const half = await measureFidelity('truncating codec', set, async (pcm) => pcm.slice(0, pcm.length / 2));
    expect(half.stoi).toBeLessThan(0.9);
    expect(half.wer.deletions).toBeGreaterThan(0);
  });

  it('rejects an empty set, naming it', async () => {
    await expect(measureFidelity('nothing', [], null)).rejects.toMatchObject({ code: 'empty_input', param: 'utterances' });
  });
});
