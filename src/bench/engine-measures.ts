/**
 * The engine benchmark's measurements, each over `runs` repetitions with the variants interleaved run by run
 * (a loaded machine drifts; interleaving keeps ratios fair). Medians are reported.
 */
import { generateCodebook0, type ArJob } from '../engine/ar-decode.js';
import type { LoadedModel, Synthesizer, SynthesisStats, Voice } from '../engine/index.js';
import { decodeSpeculative } from '../engine/speculative-decode.js';
import { GREEDY, SEED } from './engine-setup.js';

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export interface EndToEnd {
  rtf: number;
  audioSeconds: number;
  wallSeconds: number;
  arSteps: number;
  acceptanceRate?: number;
  /** Candidates sampled in all (best of N; more where a chunk was retried), when more than one per chunk. */
  candidates?: number;
}

/**
 * One-shot generate() with a fixed seed: greedy, or (`recommended`) with the model's recommended sampling settings,
 * best-of-N candidates included (`retryAbove` overrides the model's retries: 0 = none).
 */
export async function endToEnd(synth: Synthesizer, voice: Voice, text: string, speculative: boolean, recommended = false, retryAbove?: number): Promise<EndToEnd> {
  const r = await synth.generate(text, { voice, ...(recommended ? {} : GREEDY), seed: SEED, speculative, ...(retryAbove === undefined ? {} : { retryAbove }) });
  const s = r.stats;
  return { rtf: s.rtf, audioSeconds: s.audioSeconds, wallSeconds: s.wallSeconds, arSteps: s.arSteps, acceptanceRate: s.acceptanceRate, candidates: s.candidates };
}

export interface FirstAudio {
  /** ms from the stream() call to the first audio piece in the caller's hands. */
  ttfaMs: number;
  /**
   * ms a player starting at the first piece would wait for later pieces in total (0 = gapless): each piece is due
   * when the audio before it has played; a late piece delays all that follows.
   */
  stallMs: number;
  firstChunk: string;
  /** Text chunks seen (all of them unless stopped at the first audio). */
  chunks: number;
  /** Undefined when stopped at the first audio. */
  stats?: SynthesisStats;
}

/**
 * Streaming: time to first audio, and the stalls a real-time player would hear after it (unless `stopAtFirst`: stops
 * there). Greedy, or (`recommended`) with the model's recommended sampling settings, best-of-N candidates included.
 */
export async function timeToFirstAudio(synth: Synthesizer, voice: Voice, text: string, speculative: boolean, stopAtFirst = false, recommended = false): Promise<FirstAudio> {
  let stats: SynthesisStats | undefined;
  const start = performance.now();
  let first = NaN;
  let due = 0;
  let stallMs = 0;
  const texts: string[] = [];
  for await (const piece of synth.stream(text, { voice, ...(recommended ? {} : GREEDY), seed: SEED, speculative, onStats: (s) => (stats = s) })) {
    const at = performance.now() - start;
    if (piece.text) texts.push(piece.text);
    if (piece.audio.length === 0) continue;
    if (Number.isNaN(first)) due = first = at;
    if (stopAtFirst) break;
    if (at > due) {
      stallMs += at - due;
      due = at;
    }
    due += (piece.audio.length / piece.sampleRate) * 1000;
  }
  return { ttfaMs: first, stallMs, firstChunk: texts[0] ?? '', chunks: texts.length, stats };
}

export type ArMode = 'plain' | 'speculative' | 'self-draft';

export interface ArRun {
  mode: ArMode;
  groups: number;
  /** Codebook-0 frames / frame rate. */
  audioSeconds: number;
  wallSeconds: number;
  arSteps: number;
  groupsPerSecond: number;
  /** Groups emitted per AR graph call (prefill, step or verify; drafter calls not counted): 1 for plain decoding. */
  groupsPerArCall: number;
  acceptanceRate: number | null;
  endOfSpeech: boolean;
}

/** Codebook-0 decoding alone: plain, speculative with the model's drafter, or the AR drafting for itself. */
export async function arRun(model: LoadedModel, job: ArJob, mode: ArMode): Promise<ArRun> {
  const start = performance.now();
  const r =
    mode === 'plain' ? await generateCodebook0(model, { ...job, speculative: false })
    : mode === 'speculative' ? await generateCodebook0(model, { ...job, speculative: true })
    : await decodeSpeculative(model, model.ar, job);
  const wallSeconds = (performance.now() - start) / 1000;
  const groups = r.codes.length / model.groupSize;
  return {
    mode,
    groups,
    audioSeconds: r.codes.length / model.frameRate,
    wallSeconds,
    arSteps: r.arSteps,
    groupsPerSecond: groups / wallSeconds,
    groupsPerArCall: groups / r.arSteps,
    acceptanceRate: r.proposed > 0 ? r.accepted / r.proposed : null,
    endOfSpeech: r.endOfSpeech,
  };
}

export interface Throughput {
  requests: number;
  audioSeconds: number;
  wallSeconds: number;
  /** Audio seconds produced per wall second, all requests together. */
  audioPerSecond: number;
}

/** `requests` identical generate() calls started together on one engine (plain decoding: the batched path). */
export async function concurrent(synth: Pick<Synthesizer, 'generate'>, voice: Voice, text: string, requests: number): Promise<Throughput> {
  const start = performance.now();
  const results = await Promise.all(Array.from({ length: requests }, (_, i) => synth.generate(text, { voice, ...GREEDY, seed: SEED + i, speculative: false })));
  const wallSeconds = (performance.now() - start) / 1000;
  const audioSeconds = results.reduce((n, r) => n + r.stats.audioSeconds, 0);
  return { requests, audioSeconds, wallSeconds, audioPerSecond: audioSeconds / wallSeconds };
}

/**
 * Requests arriving while others decode: `texts` as generate() calls started `staggerMs` apart on one engine (they
 * join the running AR batch: continuous batching), and the same calls one after another.
 */
export async function staggered(synth: Pick<Synthesizer, 'generate'>, voice: Voice, texts: readonly string[], staggerMs: number): Promise<{ one: Throughput; many: Throughput }> {
  const request = (i: number) => synth.generate(texts[i], { voice, ...GREEDY, seed: SEED + i, speculative: false });
  const throughput = (results: { stats: { audioSeconds: number } }[], start: number): Throughput => {
    const wallSeconds = (performance.now() - start) / 1000;
    const audioSeconds = results.reduce((n, r) => n + r.stats.audioSeconds, 0);
    return { requests: texts.length, audioSeconds, wallSeconds, audioPerSecond: audioSeconds / wallSeconds };
  };
  let start = performance.now();
  const alone = [];
  for (let i = 0; i < texts.length; i++) alone.push(await request(i));
  const one = throughput(alone, start);
  start = performance.now();
  const pending = [];
  for (let i = 0; i < texts.length; i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, staggerMs));
    pending.push(request(i));
  }
  return { one, many: throughput(await Promise.all(pending), start) };
}

export const rssMb = (): number => process.memoryUsage().rss / 2 ** 20;
