/**
 * Classical codec baselines on held-out Kathleen sentences: pocketsphinx WER/CER, STOI and log-mel
 * distance for the originals, the originals band-limited to 4 kHz, Opus 6 kbps and Codec2 3200,
 * side by side in one run.
 *
 *   npx tsx bench/codec-baselines.ts [--count 30] [--json out.json]
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { decodeAudio } from '../src/audio/decode.js';
import { resample } from '../src/audio/resample.js';
import { fidelityTable, measureFidelity, type EvalUtterance } from '../src/eval/codec-fidelity.js';
import { codec2RoundTrip, opusRoundTrip } from '../src/eval/codecs-classical.js';
import { kathleenHeldoutSentences } from '../src/eval/shared-data.js';
import { mapLimit } from '../src/eval/tools.js';

const { values } = parseArgs({ options: { count: { type: 'string', default: '30' }, json: { type: 'string' } } });
const count = Number(values.count);

const sentences = kathleenHeldoutSentences().slice(0, count);
const utterances: EvalUtterance[] = await mapLimit(sentences, 2, async (s) => ({ id: s.id, text: s.text, audio: await decodeAudio(s.audioPath) }));
const seconds = utterances.reduce((sum, u) => sum + u.audio.length, 0) / 16000;

const bitrates: Record<string, number[]> = { opus: [], codec2: [] };
const reports = [
  await measureFidelity('original', utterances, null),
  // Both classical codecs are narrowband (< 4 kHz); this row separates the bandwidth loss from the coding loss.
  await measureFidelity('original via 8 kHz', utterances, async (pcm) => resample(resample(pcm, 16000, 8000), 8000, 16000)),
  await measureFidelity('Opus 6 kbps', utterances, async (pcm) => {
    const r = await opusRoundTrip(pcm, 16000, 6000);
    bitrates.opus.push(r.bitsPerSecond);
    return r.audio;
  }),
  await measureFidelity('Codec2 3.2 kbps', utterances, async (pcm) => {
    const r = await codec2RoundTrip(pcm, 16000, '3200');
    bitrates.codec2.push(r.bitsPerSecond);
    return r.audio;
  }),
];
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

console.log(`${utterances.length} held-out Kathleen sentences, ${seconds.toFixed(1)} s of speech, ${reports[0].wer.refLength} words; ${os.cpus().length} CPUs, ${new Date().toISOString()}`);
console.log(`measured bitrate incl. container: Opus ${(mean(bitrates.opus) / 1000).toFixed(2)} kbps, Codec2 ${(mean(bitrates.codec2) / 1000).toFixed(2)} kbps`);
console.log(fidelityTable(reports, 'original'));
if (values.json) {
  const summary = reports.map(({ rows, ...rest }) => ({ ...rest, utterances: rows.map((r) => ({ id: r.id, transcript: r.transcript, wer: r.words.rate, stoi: r.stoi, melDistance: r.melDistance, melDistanceNarrow: r.melDistanceNarrow })) }));
  writeFileSync(values.json, JSON.stringify({ date: new Date().toISOString(), sentences: utterances.length, seconds, reports: summary }, null, 2));
}
