/** The longer sections of the engine benchmark: memory over many sentences, G=2 vs G=1, and the PyTorch reference. */
import { loadModel, type LoadedModel, type Synthesizer, type Voice } from '../engine/index.js';
import { ArModel } from '../lm/ar-model.js';
import { onnxStepTiming, torchStepTiming, type StepShape, type StepTiming } from './ar-step-timing.js';
import type { EngineBenchOptions } from './engine-bench.js';
import { arRun, median, rssMb, type ArRun } from './engine-measures.js';
import { fixedArJob, GREEDY, sayDefaultVoice, SEED, SHORT_SENTENCES, TTFA_PARAGRAPHS } from './engine-setup.js';

export interface MemoryRun {
  rssLoadedMb: number;
  rssAfterWarmupMb: number;
  rssAfterMb: number;
  heapAfterMb: number;
  sentences: number;
  warmupSentences: number;
  seconds: number;
}

export type TorchTiming = StepTiming | { error: string } | null;
export interface PytorchTimings {
  shape: StepShape;
  onnx: StepTiming;
  torch: TorchTiming;
  onnx1: StepTiming;
  torch1: TorchTiming;
}

/** AR step time in onnxruntime-node and PyTorch, at `threads` threads and at 1 thread, alternating runtimes. */
export async function pytorchRun(model: LoadedModel, o: EngineBenchOptions, log: (l: string) => void): Promise<PytorchTimings> {
  const shape: StepShape = { text: 100, groups: Math.round((3 * model.frameRate) / model.groupSize), steps: o.torchSteps, threads: o.threads };
  const shape1 = { ...shape, threads: 1 };
  const ar1 = o.threads === 1 ? model.ar : await ArModel.load(model.ar.path, model.ar.dims, { intraOpThreads: 1 });
  const onnx = await onnxStepTiming(model.ar, shape);
  const torch = o.torch ? torchStepTiming(model, shape) : null;
  const onnx1 = await onnxStepTiming(ar1, shape1);
  const torch1 = o.torch ? torchStepTiming(model, shape1) : null;
  const show = (t: TorchTiming): string => (t && 'stepMsMedian' in t ? `${t.stepMsMedian.toFixed(2)} ms` : (t?.error ?? 'skipped'));
  log(`AR step at ${o.threads} threads: onnxruntime ${onnx.stepMsMedian.toFixed(2)} ms, torch ${show(torch)}; at 1 thread: onnxruntime ${onnx1.stepMsMedian.toFixed(2)} ms, torch ${show(torch1)}`);
  return { shape, onnx, torch, onnx1, torch1 };
}

/** RSS after a warm-up tenth of the sentences and after all of them (short sentences, plain and speculative alternating, so both paths' sessions are exercised). */
export async function memoryRun(synth: Synthesizer, voice: Voice, sentences: number, rssLoadedMb: number, log: (l: string) => void): Promise<MemoryRun> {
  const warmupSentences = Math.min(sentences, Math.max(1, Math.ceil(sentences / 10)));
  const start = performance.now();
  let rssAfterWarmupMb = rssMb();
  for (let i = 0; i < sentences; i++) {
    await synth.generate(SHORT_SENTENCES[i % SHORT_SENTENCES.length], { voice, ...GREEDY, seed: SEED + i, speculative: i % 2 === 1 });
    if (i + 1 === warmupSentences) rssAfterWarmupMb = rssMb();
  }
  const rssAfterMb = rssMb();
  const seconds = (performance.now() - start) / 1000;
  log(`memory: ${sentences} sentences in ${seconds.toFixed(0)} s; RSS ${rssLoadedMb.toFixed(0)} MB loaded, ${rssAfterWarmupMb.toFixed(0)} after ${warmupSentences}, ${rssAfterMb.toFixed(0)} after ${sentences}`);
  return { rssLoadedMb, rssAfterWarmupMb, rssAfterMb, heapAfterMb: process.memoryUsage().heapUsed / 2 ** 20, sentences, warmupSentences, seconds };
}

/** Plain decoding of the same audio length with the G = 2 model and its G = 1 twin, interleaved run by run. */
export async function groupedRun(model: LoadedModel, o: EngineBenchOptions, text: string, log: (l: string) => void) {
  const g1 = o.g1ModelDir ? await loadModel(o.g1ModelDir, { threads: o.threads }) : null;
  const g2Job = await fixedArJob(model, (await sayDefaultVoice(model)).voice, text, o.seconds, false);
  const g1Job = g1 ? await fixedArJob(g1, (await sayDefaultVoice(g1)).voice, text, o.seconds, false) : null;
  const g2: ArRun[] = [];
  const g1Runs: ArRun[] = [];
  for (let i = 0; i < o.runs; i++) {
    g2.push(await arRun(model, g2Job, 'plain'));
    if (g1 && g1Job) g1Runs.push(await arRun(g1, g1Job, 'plain'));
    log(`grouped run ${i + 1}: G=${model.groupSize} ${g2[i].wallSeconds.toFixed(2)} s (${g2[i].arSteps} steps)${g1Runs[i] ? `, G=1 ${g1Runs[i].wallSeconds.toFixed(2)} s (${g1Runs[i].arSteps} steps)` : ''}`);
  }
  const perAudio = (runs: ArRun[], f: (r: ArRun) => number): number | null => (runs.length ? median(runs.map((r) => f(r) / r.audioSeconds)) : null);
  return {
    g1Id: g1?.id ?? null,
    g2,
    g1: g1Runs,
    g2StepsPerAudioSecond: perAudio(g2, (r) => r.arSteps)!,
    g1StepsPerAudioSecond: perAudio(g1Runs, (r) => r.arSteps),
    g2WallPerAudioSecond: perAudio(g2, (r) => r.wallSeconds)!,
    g1WallPerAudioSecond: perAudio(g1Runs, (r) => r.wallSeconds),
  };
}

export interface ProseRun {
  audioSeconds: number;
  wallSeconds: number;
  rtf: number;
  chunks: number;
  /** Chunks that got a second round of candidates (sampling.retry_above). */
  retriedChunks: number;
}

/**
 * The model's recommended settings over the first-audio paragraphs (ordinary prose, two or three sentences each)
 * in `parla say`'s default voice: what a user waits for typical text. Why beside rtf_recommended: that is one odd
 * sentence (it ends "... and the."), and whether its chunk is retried decides it.
 * `candidates`: the recommended candidates per chunk (a retried chunk samples as many again).
 */
export async function proseRun(synth: Synthesizer, voice: Voice, candidates: number): Promise<ProseRun> {
  const out = { audioSeconds: 0, wallSeconds: 0, chunks: 0, sampled: 0 };
  for (const text of TTFA_PARAGRAPHS) {
    const { stats } = await synth.generate(text, { voice, seed: SEED });
    out.audioSeconds += stats.audioSeconds;
    out.wallSeconds += stats.wallSeconds;
    out.chunks += stats.chunks;
    out.sampled += stats.candidates ?? stats.chunks;
  }
  const retriedChunks = candidates > 1 ? Math.round((out.sampled - out.chunks * candidates) / candidates) : 0;
  return { audioSeconds: out.audioSeconds, wallSeconds: out.wallSeconds, rtf: out.wallSeconds / out.audioSeconds, chunks: out.chunks, retriedChunks };
}
