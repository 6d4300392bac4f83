import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findPocketsphinx, transcribe, transcribeMany } from '../src/eval/asr.js';
import { decodeAudio } from '../src/audio/decode.js';
import { measureIntelligibility } from '../src/eval/intelligibility.js';
import { sharedDataDir } from '../src/eval/shared-data.js';
import { mapLimit } from '../src/eval/tools.js';
import { wordErrors } from '../src/eval/wer.js';

const installed = findPocketsphinx() !== undefined;
if (!installed) console.warn('pocketsphinx is not installed (Debian packages pocketsphinx, pocketsphinx-en-us): skipping ASR tests');

const audio = (id: string): string => path.join(sharedDataDir(), 'kathleen', 'audio', `${id}.opus`);
const SENTENCES = [
  { id: 'arctic_a0004_1592748478', text: "Lord, but I'm glad to see you again, Phil." },
  { id: 'arctic_a0115_1592745922', text: 'He had no excuse for the feelings which were aroused in him.' },
];

describe.skipIf(!installed)('pocketsphinx', () => {
  it('transcribes a real Kathleen sentence with WER under 50%', async () => {
    const pcm = await decodeAudio(audio(SENTENCES[1].id));
    const transcript = await transcribe(pcm);
    expect(transcript).toMatch(/^[a-z' ]+$/);
    expect(wordErrors(SENTENCES[1].text, transcript).rate).toBeLessThan(0.5);
  });

  it('resamples input at other rates to 16 kHz first', async () => {
    const pcm = await decodeAudio(audio(SENTENCES[1].id), { sampleRate: 24000 });
    expect(wordErrors(SENTENCES[1].text, await transcribe(pcm, 24000)).rate).toBeLessThan(0.5);
  });

  it('scores a set of clips, pooled over words, in input order', async () => {
    const clips = await mapLimit(SENTENCES, 2, (s) => decodeAudio(audio(s.id)));
    const result = await measureIntelligibility(clips, SENTENCES.map((s) => s.text), { concurrency: 2 });
    expect(result.clips.map((c) => c.text)).toEqual(SENTENCES.map((s) => s.text));
    expect(result.wer.refLength).toBe(9 + 12);
    expect(result.wer.errors).toBe(result.clips[0].words.errors + result.clips[1].words.errors);
    expect(result.wer.rate).toBeLessThan(0.5);
  });

  it('returns nothing for empty or silent audio', async () => {
    const [empty, silent] = await transcribeMany([new Float32Array(0), new Float32Array(16000)]);
    expect(empty).toBe('');
    expect(silent).toBe('');
  });

  it('rejects a concurrency that is not a positive integer', async () => {
    await expect(transcribeMany([new Float32Array(100)], { concurrency: 0 })).rejects.toMatchObject({ code: 'invalid_input', param: 'concurrency' });
  });
});

describe('pocketsphinx missing', () => {
  it('fails with tool_missing naming the Debian packages', async () => {
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(transcribe(new Float32Array(16000))).rejects.toMatchObject({
        code: 'tool_missing',
        param: 'pocketsphinx',
        message: expect.stringContaining('pocketsphinx-en-us'),
      });
    } finally {
      process.env.PATH = saved;
    }
  });
});
