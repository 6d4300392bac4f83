// Self-generated AR training data (rejection-sampling fine-tuning): the shipped engine speaks every training
// sentence of one speaker family with its recommended settings (candidates spliced by words as the audio reader hears
// them best, retries), prompted by a different real utterance of that speaker, and the codes it chose are written as
// training targets. training/lm/self_data.py turns the output into a manifest, packed codes and alignments for
// training.lm.train; training/README.md ("Twentieth session") has the recipe and what it measured.
//
//   npm run build && node training/lm/self_generate.mjs OUT.jsonl [--family kathleen] [--model models/default]
//     [--prompts 48] [--limit N] [--concurrency 3] [--seed 1000]
//
// Resumable: ids already in OUT.jsonl are skipped. One JSON line per text chunk, plus one per prompt used:
//   {"id", "speaker", "prompt": prompt id, "phonemes": [...], "c0": [...], "align": [...], "text"}   (targets)
//   {"id", "speaker", "prompt_only": true, "phonemes": [...], "c0": [...]}                           (prompts)
// `align[t]` is the index in `phonemes` of the phoneme the AR's pointer named for frame t.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createVoice, loadModel, Synthesizer } from '../../dist/engine/index.js';
import { decodeAudio } from '../../dist/audio/index.js';
import { alignFrames } from './frame-align.mjs';

const { values: o, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    family: { type: 'string', default: 'kathleen' },
    model: { type: 'string', default: 'models/default' },
    corpus: { type: 'string', default: 'training/cache/corpus' },
    prompts: { type: 'string', default: '48' },
    limit: { type: 'string', default: '0' },
    concurrency: { type: 'string', default: '3' },
    seed: { type: 'string', default: '1000' },
  },
});
const out = positionals[0];
if (!out) throw new Error('usage: node training/lm/self_generate.mjs OUT.jsonl [options]');

/** Deterministic shuffle (mulberry32), so a resumed run pairs the same prompts with the same sentences. */
function shuffled(items, seed) {
  let a = seed >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

const entries = readFileSync(path.join(o.corpus, 'train.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((e) => e.family === o.family);
if (entries.length === 0) throw new Error(`no ${o.family} utterances in ${o.corpus}/train.jsonl`);
const seed = Number(o.seed);
const promptPool = shuffled(entries.filter((e) => e.duration >= 3 && e.duration <= 6), seed).slice(0, Number(o.prompts));
const targets = shuffled(entries, seed + 1).slice(0, Number(o.limit) || entries.length);
const done = new Set(existsSync(out) ? readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).id) : []);

const model = await loadModel(o.model, { threads: 2 });
const synth = new Synthesizer(model);
await synth.warmUp();
const voices = new Map();
async function voiceOf(p) {
  if (!voices.has(p.id)) {
    voices.set(p.id, (async () => {
      const audio = await decodeAudio(path.join(o.corpus, p.path), { sampleRate: 16000 });
      const voice = await createVoice(model, audio, { name: p.id, transcript: p.text, sampleRate: 16000 });
      if (!done.has(p.id)) {
        appendFileSync(out, `${JSON.stringify({ id: p.id, speaker: o.family, prompt_only: true, phonemes: [...voice.transcriptIds], c0: [...voice.codes.data.subarray(0, voice.codes.frames)] })}\n`);
        done.add(p.id);
      }
      return voice;
    })());
  }
  return voices.get(p.id);
}

let next = 0;
let written = 0;
const started = performance.now();
async function worker() {
  while (next < targets.length) {
    const i = next++;
    const e = targets[i];
    if (done.has(`${e.id}-c0`)) continue;
    // A prompt other than the sentence itself, as at inference (reference mode with transcript).
    let p = promptPool[i % promptPool.length];
    if (p.id === e.id) p = promptPool[(i + 1) % promptPool.length];
    const voice = await voiceOf(p);
    let k = 0;
    for await (const c of synth.codes(e.text, { voice, seed: seed + i })) {
      const frames = c.codes.frames;
      const c0 = [...c.codes.data.subarray(0, frames)];
      const align = c.codes.phonemes ? alignFrames(c.codes.phonemes, c.ids) : null;
      appendFileSync(out, `${JSON.stringify({ id: `${e.id}-c${k}`, speaker: o.family, prompt: p.id, phonemes: [...c.ids], c0, align, text: c.text })}\n`);
      k++;
    }
    written++;
    if (written % 25 === 0) console.log(`${written} sentences, ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
}
await Promise.all(Array.from({ length: Number(o.concurrency) }, worker));
console.log(`done: ${written} sentences in ${((performance.now() - started) / 1000).toFixed(0)} s -> ${out}`);
