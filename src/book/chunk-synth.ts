/** One book chunk through the engine and the quality gate: derived seeds, retries on failure, the best take kept and marked. */
import { createHash } from 'node:crypto';
import type { SynthesisOptions, SynthesisResult } from '../engine/types.js';
import { countPhonemes } from '../eval/robustness.js';
import { analyzeText } from '../text/pipeline.js';
import { gateChunk, gateRank, type GateCheck, type GateReport } from './quality-gate.js';

/** What the runner needs from an engine: Synthesizer and WorkerSynthesizer both fit. */
export interface ChunkEngine {
  generate(text: string, options: SynthesisOptions): Promise<SynthesisResult>;
}

/** Options shared by every chunk of a book (the voice and sampling settings stay the same throughout). */
export type BookSynthesisOptions = Omit<SynthesisOptions, 'seed' | 'signal' | 'onStats'>;

export interface ChunkAttempt {
  seed: number;
  failures: string[];
}

export interface SynthesizedChunk {
  pcm: Float32Array;
  sampleRate: number;
  /** The seed of the take that was kept. */
  seed: number;
  phonemes: number;
  /** Gate verdict of the kept take; !ok means every attempt failed and this is the best of them. */
  gate: GateReport;
  attempts: ChunkAttempt[];
  /** Engine wall time over all attempts, seconds. */
  wallSeconds: number;
}

/**
 * Seed of attempt `attempt` of chunk `chunkId`: a hash of the base seed and the id, so a chunk gets the same seed
 * whatever order chunks run in, whether the run was resumed, and however many workers share the book.
 */
export function chunkSeed(baseSeed: number, chunkId: string, attempt: number): number {
  const digest = createHash('sha256').update(`${baseSeed}\u0000${chunkId}\u0000${attempt}`).digest();
  return digest.readUInt32BE(0) & 0x7fffffff;
}

export interface ChunkJob {
  id: string;
  text: string;
  baseSeed: number;
  /** Extra attempts after the first fails the gate. */
  retries: number;
  checks: readonly GateCheck[];
  options: BookSynthesisOptions;
  /** Engine chunk budget: above the book's own budget, so a planned chunk is one engine call of one piece. */
  engineChunkPhonemes: number;
}

/**
 * Temperature of a retry after a greedy attempt failed the gate: greedy decoding gives the same audio for every
 * seed, so a retry must sample to be a retry at all. Low, because the models that recommend greedy decoding
 * (model.json `sampling`) are the ones that lose words when sampled hotter.
 */
export const GREEDY_RETRY_TEMPERATURE = 0.3;

/**
 * Attempts, until one passes the gate: the model's recommended settings (or the request's temperature, kept on every
 * retry); when those sampled and failed, one greedy take (a different, deterministic reading: on the whole of Alice
 * with the shipped model, which samples at T 0.3, 5 of 546 chunks failed all three takes without it, 3 with it);
 * after a greedy take, samples at GREEDY_RETRY_TEMPERATURE with new seeds.
 */
export async function synthesizeChunk(engine: ChunkEngine, job: ChunkJob): Promise<SynthesizedChunk> {
  const analyzed = await analyzeText(job.text, { normalize: job.options.normalize, language: job.options.language, lexicon: job.options.lexicon });
  const phonemes = countPhonemes(analyzed.phonemes);
  const attempts: ChunkAttempt[] = [];
  let best: SynthesizedChunk | undefined;
  let wallSeconds = 0;
  let greedy = false;
  let sampledDefault = false;
  for (let attempt = 0; attempt <= job.retries; attempt++) {
    const seed = chunkSeed(job.baseSeed, job.id, attempt);
    const temperature = greedy ? GREEDY_RETRY_TEMPERATURE : sampledDefault ? 0 : job.options.temperature;
    const result = await engine.generate(job.text, { ...job.options, temperature, seed, chunkPhonemes: job.engineChunkPhonemes, firstChunkPhonemes: job.engineChunkPhonemes });
    greedy ||= result.stats.temperature === 0;
    sampledDefault = job.options.temperature === undefined && !greedy;
    wallSeconds += result.stats.wallSeconds;
    const gate = gateChunk(result.audio, result.sampleRate, phonemes, job.checks, job.text);
    attempts.push({ seed, failures: gate.failures });
    if (!best || gateRank(gate) < gateRank(best.gate)) best = { pcm: result.audio, sampleRate: result.sampleRate, seed, phonemes, gate, attempts, wallSeconds };
    if (gate.ok) break;
  }
  return { ...best!, attempts, wallSeconds };
}
