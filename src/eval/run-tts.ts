/**
 * The TTS evaluation: synthesize a set's sentences in its prompt voices with the engine and measure WER/CER
 * against real recordings of the same text (ratio), speaker similarity to a real utterance of the voice
 * (with the real-real ceiling), real-time factor; plus robustness counts on the hard-sentence set.
 */
import { createVoice, loadModel, Synthesizer, type LoadedModel, type SamplingOptions, type Voice } from '../engine/index.js';
import { measureIntelligibility } from './intelligibility.js';
import { machineInfo, type MachineInfo } from './run-machine.js';
import { loadRecordings, type SpeakerUtterance, type TtsEvalSet } from './run-sets.js';
import { openSimilarity } from './run-similarity.js';
import { resample } from '../audio/resample.js';
import { checkRobustness, countPhonemes, expectedDurationSeconds, withHeardLoops } from './robustness.js';
import { findPocketsphinx, transcribe } from './asr.js';
import { EVAL_SAMPLE_RATE } from './rate.js';

export interface TtsEvalOptions {
  modelDir: string;
  set: TtsEvalSet;
  /** Robustness sentences (training/eval/hard-sentences.txt); empty = skip. */
  hardSentences?: string[];
  limit?: number;
  threads?: number;
  seed?: number;
  /** Sampling temperature for every sentence (0 = greedy); undefined = the engine's default. */
  temperature?: number;
  /** Repetition-aware sampling (default on); off = plain nucleus sampling, the robustness contrast. */
  ras?: boolean;
  speakerEncoder?: string;
  log?: (line: string) => void;
}

export interface RobustnessCounts {
  total: number;
  ok: number;
  /** Failure name (runaway, too_short, silent, clipped, looped) -> count. */
  failures: Record<string, number>;
  /** Each sentence that failed, so a report can say which (absent in records before 2026-11-29). */
  failed?: FailedSentence[];
  /**
   * Sentences whose audio the loop detector flagged but in whose transcript pocketsphinx heard no loop (loopHeard):
   * not counted as looped (absent in older records, which counted them).
   */
  loopsNotHeard?: UnheardLoop[];
}

export interface UnheardLoop {
  text: string;
  transcript: string;
}

export interface FailedSentence {
  text: string;
  failures: string[];
  seconds: number;
  /** The duration its phoneme count predicts (robustness.ts). */
  expectedSeconds: number;
  /** What pocketsphinx heard, when it was asked whether a loop is heard (loopHeard). */
  transcript?: string;
}

export interface TtsEvalResult {
  kind: 'tts';
  model: { id: string; dir: string };
  set: { name: string; description: string; utterances: number };
  date: string;
  machine: MachineInfo;
  seed: number;
  /** The temperature asked for, or null for the engine's default. */
  temperature: number | null;
  /** Whether repetition-aware sampling was on. */
  ras: boolean;
  /** Pooled WER/CER of real recordings of the same texts (null: the set names none) and of the synthesized audio. */
  truth: { wer: number; cer: number } | null;
  synthesized: { wer: number | null; cer: number | null };
  werRatio: number | null;
  cerRatio: number | null;
  speakerEncoder: { available: boolean; path?: string; reason?: string };
  /** Mean cosine of synthesized audio and a real utterance of the voice; null without an encoder. */
  similarity: number | null;
  /** The same between two real utterances of the voice (prompt vs reference). */
  realRealSimilarity: number | null;
  /** Synthesis wall time / audio time, over the whole set. */
  rtf: number;
  robustness: RobustnessCounts | null;
  utterances: { id: string; seconds: number; transcript: string | null; similarity: number | null; failures: string[] }[];
}

/** The sampling settings a run overrides (undefined = the model's). */
type SamplingOverrides = Pick<SamplingOptions, 'temperature' | 'ras'>;

async function synthesize(synth: Synthesizer, text: string, voice: Voice, seed: number, sampling: SamplingOverrides): Promise<{ pcm: Float32Array; phonemes: string; wall: number }> {
  const parts: Float32Array[] = [];
  const phonemes: string[] = [];
  const t = performance.now();
  for await (const chunk of synth.stream(text, { voice, seed, ...sampling })) {
    parts.push(chunk.audio);
    if (chunk.phonemes) phonemes.push(chunk.phonemes);
  }
  const wall = (performance.now() - t) / 1000;
  const pcm = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) pcm.set(p, (offset += p.length) - p.length);
  return { pcm: synth.model.sampleRate === EVAL_SAMPLE_RATE ? pcm : resample(pcm, synth.model.sampleRate, EVAL_SAMPLE_RATE), phonemes: phonemes.join(' '), wall };
}

export async function runTtsEval(options: TtsEvalOptions): Promise<TtsEvalResult> {
  const log = options.log ?? (() => undefined);
  const seed = options.seed ?? 1;
  const sampling: SamplingOverrides = { temperature: options.temperature, ras: options.ras };
  const model: LoadedModel = await loadModel(options.modelDir, { threads: options.threads ?? 2 });
  // Batching as the product runs: a chunk's candidates step as one AR batch (same output as one by one, which the
  // engine's tests check), so the RTF column is what `parla say` and the API take.
  const synth = new Synthesizer(model);
  const set = options.set;
  const items = set.items.slice(0, options.limit ?? set.items.length);
  const used = new Set(items.flatMap((i) => (i.reference ? [i.prompt, i.reference] : [i.prompt])));
  const prompts = new Map((await loadRecordings(set.prompts.filter((p) => used.has(p.id)))).map((u) => [u.id, u]));
  const voices = new Map<string, Voice>();
  for (const [id, u] of prompts) if (items.some((i) => i.prompt === id)) voices.set(id, await createVoice(model, u.audio, { name: `eval ${id}`, id: `eval-${id}`.toLowerCase().replace(/[^a-z0-9-]/g, '-'), transcript: u.text, sampleRate: EVAL_SAMPLE_RATE }));
  const similarity = await openSimilarity(options.modelDir, options.speakerEncoder);
  log(`${set.name}: ${items.length} sentences, ${voices.size} prompt voices; model ${model.id}`);

  const outputs: Float32Array[] = [];
  const utterances: TtsEvalResult['utterances'] = [];
  let wall = 0, audio = 0;
  const sims: number[] = [], ceilings: number[] = [];
  for (const item of items) {
    const out = await synthesize(synth, item.text, voices.get(item.prompt)!, seed, sampling);
    wall += out.wall;
    audio += out.pcm.length / EVAL_SAMPLE_RATE;
    outputs.push(out.pcm);
    const target: SpeakerUtterance = prompts.get(item.reference ?? item.prompt)!;
    const sim = out.pcm.length > 0 ? await similarity.compare(out.pcm, target.audio) : null;
    if (sim !== null) sims.push(sim);
    if (item.reference) {
      const ceiling = await similarity.compare(prompts.get(item.prompt)!.audio, target.audio);
      if (ceiling !== null) ceilings.push(ceiling);
    }
    const failures = out.pcm.length === 0 ? ['empty'] : checkRobustness(out.pcm, EVAL_SAMPLE_RATE, countPhonemes(out.phonemes), item.text).failures;
    utterances.push({ id: item.id, seconds: out.pcm.length / EVAL_SAMPLE_RATE, transcript: null, similarity: sim, failures });
    log(`synthesized ${item.id}: ${(out.pcm.length / EVAL_SAMPLE_RATE).toFixed(2)} s in ${out.wall.toFixed(2)} s`);
  }

  const texts = items.map((i) => i.text);
  let synthesized: TtsEvalResult['synthesized'] = { wer: null, cer: null };
  let truth: TtsEvalResult['truth'] = null;
  if (set.intelligibility) {
    const asr = await measureIntelligibility(outputs, texts, { concurrency: 2 });
    asr.clips.forEach((c, i) => {
      utterances[i].transcript = c.transcript;
      utterances[i].failures = withHeardLoops(utterances[i].failures, c.transcript, texts[i]);
    });
    synthesized = { wer: asr.wer.rate, cer: asr.cer.rate };
    const truthItems = items.filter((i) => i.truth);
    if (truthItems.length === items.length) {
      const real = await loadRecordings(truthItems.map((i) => ({ ...i.truth!, speaker: i.speaker, text: i.text })));
      const ref = await measureIntelligibility(real.map((r) => r.audio), texts, { concurrency: 2 });
      truth = { wer: ref.wer.rate, cer: ref.cer.rate };
    }
  }
  const mean = (xs: number[]): number | null => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
  return {
    kind: 'tts',
    model: { id: model.id, dir: options.modelDir },
    set: { name: set.name, description: set.description, utterances: items.length },
    date: new Date().toISOString(),
    machine: machineInfo(),
    seed,
    temperature: options.temperature ?? null,
    ras: options.ras ?? true,
    truth,
    synthesized,
    werRatio: truth && synthesized.wer !== null && truth.wer > 0 ? synthesized.wer / truth.wer : null,
    cerRatio: truth && synthesized.cer !== null && truth.cer > 0 ? synthesized.cer / truth.cer : null,
    speakerEncoder: similarity.info,
    similarity: mean(sims),
    realRealSimilarity: mean(ceilings),
    rtf: audio > 0 ? wall / audio : Infinity,
    robustness: options.hardSentences?.length ? await robustnessCounts(synth, voices.values().next().value!, options.hardSentences, seed, log, sampling) : null,
    utterances,
  };
}

/** Synthesizes every hard sentence in one voice and counts runaway, too-short, silent, clipped and looped outputs. */
async function robustnessCounts(synth: Synthesizer, voice: Voice, sentences: string[], seed: number, log: (line: string) => void, sampling: SamplingOverrides): Promise<RobustnessCounts> {
  const failed: FailedSentence[] = [];
  const loopsNotHeard: UnheardLoop[] = [];
  const counts: RobustnessCounts = { total: sentences.length, ok: 0, failures: {}, failed, loopsNotHeard };
  for (const text of sentences) {
    const out = await synthesize(synth, text, voice, seed, sampling);
    const phonemes = countPhonemes(out.phonemes);
    let failures = out.pcm.length === 0 ? ['empty'] : checkRobustness(out.pcm, EVAL_SAMPLE_RATE, phonemes, text).failures;
    // Pocketsphinx is asked about flagged takes only; without it the audio's verdict stands.
    const transcript = failures.includes('looped') && findPocketsphinx() ? await transcribe(out.pcm, EVAL_SAMPLE_RATE) : undefined;
    if (transcript !== undefined) {
      const heard = withHeardLoops(failures, transcript, text);
      if (heard.length < failures.length) loopsNotHeard.push({ text, transcript });
      failures = heard;
    }
    if (failures.length === 0) counts.ok++;
    else failed.push({ text, failures, seconds: out.pcm.length / EVAL_SAMPLE_RATE, expectedSeconds: expectedDurationSeconds(phonemes), ...(transcript !== undefined && { transcript }) });
    for (const f of failures) counts.failures[f] = (counts.failures[f] ?? 0) + 1;
  }
  log(`robustness: ${counts.ok}/${counts.total} ok`);
  return counts;
}
