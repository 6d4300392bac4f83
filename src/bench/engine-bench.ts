/**
 * `parla bench engine`: end-to-end RTF, time to first audio, speculative vs plain AR, G=2 vs G=1, concurrent
 * throughput, memory, and the PyTorch reference ratio, measured side by side in one process and one run.
 */
import os from 'node:os';
import { loadModel, Synthesizer, SynthesizerPool, type LoadedModel, type Voice } from '../engine/index.js';
import { resolveSamplingParams } from '../lm/sampling/index.js';
import { machineInfo, type MachineInfo } from '../eval/run-machine.js';
import type { StepTiming } from './ar-step-timing.js';
import { arRun, concurrent, endToEnd, median, rssMb, staggered, timeToFirstAudio, type ArMode, type ArRun, type EndToEnd, type FirstAudio, type Throughput } from './engine-measures.js';
import { groupedRun, memoryRun, proseRun, pytorchRun, type MemoryRun, type ProseRun, type PytorchTimings, type TorchTiming } from './engine-sections.js';
import { fixedArJob, NATURAL_LENGTH, sayDefaultVoice, STAGGER_MS, textForSeconds, TTFA_PARAGRAPHS } from './engine-setup.js';

export interface EngineBenchOptions {
  /** Model folder (model.json + ONNX); its ar.pt, when present, feeds the PyTorch reference. */
  modelDir: string;
  /** The same model with G = 1 for the grouped comparison (null: skipped). */
  g1ModelDir: string | null;
  /** Utterance length in seconds of audio. */
  seconds: number;
  /** Repetitions of each timed measurement (median reported). */
  runs: number;
  /** Sentences synthesized for the memory-growth measurement. */
  sentences: number;
  /** Concurrent requests compared with one. */
  concurrency: number;
  threads: number;
  /** PyTorch reference step timing (spawns /usr/bin/python3). */
  torch: boolean;
  /** AR steps timed per runtime for the PyTorch ratio. */
  torchSteps: number;
  log?: (line: string) => void;
}

type Ratio = number | null;

export interface EngineBenchResult {
  kind: 'engine-bench';
  date: string;
  machine: MachineInfo;
  /** os.loadavg() at the start and the end of the run. */
  loadavg: { start: number[]; end: number[] };
  model: { id: string; dir: string; g1: string | null; randomWeights: boolean; groupSize: number; params: Record<string, unknown> };
  settings: Omit<EngineBenchOptions, 'log' | 'modelDir' | 'g1ModelDir'> & {
    text: string;
    phonemes: number;
    decoding: string;
    /**
     * The voice prompt: a bundled voice, the one `parla say` uses when given none (defaultVoiceId), or "chirp", a 3 s
     * chirp with a made-up transcript, for models whose codec the bundled voices do not fit (and every record before
     * 2026-11-27, absent there).
     */
    voice?: string;
    /** The model's recommended settings that rtf_recommended ran with (absent in records before 2026-11-26). */
    recommended?: { temperature: number; candidates: number; spliceWords?: number; retryAbove?: number; guidance?: number };
    /** ms between the staggered requests' starts (staggered_speedup). */
    staggerMs?: number;
  };
  notes: string[];
  rtf: number;
  rtf_speculative: number;
  /** End-to-end RTF with the model's recommended sampling settings (model.json sampling: temperature, candidates). */
  rtf_recommended: number;
  /** The same without retries (retryAbove 0), when the model's settings retry: what the second round costs. */
  rtf_recommended_no_retry?: number;
  /** The recommended settings over eight prose paragraphs in `parla say`'s default voice (engine-sections.ts proseRun); absent before 2026-11-27. */
  rtf_recommended_prose?: number;
  /** Share of those paragraphs' chunks that got a second round of candidates. */
  prose_retried_share?: number;
  /** The bench sentence (cached text), at the length limit: random weights run the whole chunk to it. */
  ttfa_ms: number;
  /** A paragraph never phonemized before, at the length limit. */
  ttfa_fresh_ms: number;
  /** A paragraph never phonemized before, with chunks of a trained model's length (NATURAL_LENGTH). */
  ttfa_natural_ms: number;
  /** Total stall a real-time player would hear after the first audio, same streams as ttfa_natural_ms. */
  stall_natural_ms: number;
  /**
   * ttfa_natural_ms with the model's recommended sampling settings (best-of-N candidates: the web UI's and the
   * API's default), on the same paragraphs (absent in records before 2026-11-27).
   */
  ttfa_recommended_ms?: number;
  speculative_speedup: Ratio;
  acceptance_rate: number | null;
  self_draft_speedup: Ratio;
  self_draft_acceptance_rate: number | null;
  grouped_speedup: Ratio;
  /**
   * `concurrency` requests at once through a SynthesizerPool (the server's engine: a worker per core, batching
   * inside each) against the best single request (the pool's or in-process, whichever is faster).
   */
  batch4_speedup: number;
  /** The same requests on one in-process Synthesizer (batching, one core for the AR). Absent before 2026-11-26. */
  batch4_inprocess_speedup?: number;
  /**
   * `concurrency` requests for different paragraphs started STAGGER_MS apart on one in-process Synthesizer (each joins
   * the running batch), against the same requests one after another. Absent before 2026-11-28.
   */
  staggered_speedup?: number;
  rss_mb: number;
  rss_growth_mb: number;
  /** At 1 thread each (the fair comparison on a loaded 2-core box; see notes). */
  pytorch_ratio: Ratio;
  /** At settings.threads each. */
  pytorch_ratio_threads: Ratio;
  details: {
    endToEnd: { plain: EndToEnd[]; speculative: EndToEnd[]; recommended: EndToEnd[]; recommendedNoRetry?: EndToEnd[]; streamTtfaMs: number[] };
    /** Absent before 2026-11-27. */
    prose?: ProseRun[];
    ttfa: { fresh: TtfaRun[]; natural: TtfaRun[]; recommended?: TtfaRun[] };
    ar: Record<ArMode, ArRun[]>;
    grouped: { g2: ArRun[]; g1: ArRun[]; g2StepsPerAudioSecond: number; g1StepsPerAudioSecond: number | null; g2WallPerAudioSecond: number; g1WallPerAudioSecond: number | null };
    batch: { one: Throughput[]; many: Throughput[]; batchSizes: number[]; pool?: { workers: number; one: Throughput[]; many: Throughput[] }; staggered?: { one: Throughput; many: Throughput }[] };
    memory: MemoryRun;
    pytorch: PytorchTimings;
  };
}

export type TtfaRun = Omit<FirstAudio, 'stats'> & { text: string };

const ratioOf = (torch: TorchTiming, onnx: StepTiming): Ratio => (torch && 'stepMsMedian' in torch ? ratio(torch.stepMsMedian, onnx.stepMsMedian) : null);

const round = (x: number, digits = 3): number => Number(x.toFixed(digits));
const ratio = (a: number, b: number): Ratio => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? round(a / b) : null);

/** What a request that leaves every setting out runs with (greedy makes one candidate, as in synth-options.ts). */
function recommendedSettings(model: LoadedModel): { temperature: number; candidates: number; spliceWords: number; retryAbove: number; guidance?: number } {
  const { temperature, guidance } = resolveSamplingParams(model.samplingDefaults);
  const candidates = temperature === 0 ? 1 : model.candidates;
  const spliceWords = candidates > 1 ? model.spliceWords : 0;
  // guidance only when the model asks for it, so records of models without it read as before
  return { temperature, candidates, spliceWords, retryAbove: spliceWords > 0 ? model.retryAbove : 0, ...(guidance > 0 ? { guidance } : {}) };
}

export async function runEngineBench(o: EngineBenchOptions): Promise<EngineBenchResult> {
  const log = o.log ?? (() => {});
  const loadStart = os.loadavg();
  const model = await loadModel(o.modelDir, { threads: o.threads });
  const rssLoadedMb = rssMb();
  const synth = new Synthesizer(model, { batching: true });
  // The voice `parla say` uses by default (real speech); the chirp for fixtures whose codec the bundled voices do not fit.
  const { id: voiceId, voice } = await sayDefaultVoice(model);
  const randomWeights = /random/i.test(model.manifest.description) || /random/i.test(model.id);
  const { text, phonemes } = await textForSeconds(model, o.seconds, !randomWeights);
  log(`model ${model.id} loaded (RSS ${rssLoadedMb.toFixed(0)} MB); voice ${voiceId}; text of ${phonemes} phonemes: "${text}"`);
  await endToEnd(synth, voice, text, false); // warm-up: arenas, phonemizer, JIT

  const memory = await memoryRun(synth, voice, o.sentences, rssLoadedMb, log);

  const e2e = { plain: [] as EndToEnd[], speculative: [] as EndToEnd[], recommended: [] as EndToEnd[], recommendedNoRetry: [] as EndToEnd[], streamTtfaMs: [] as number[] };
  const retries = recommendedSettings(model).retryAbove > 0;
  for (let i = 0; i < o.runs; i++) {
    e2e.plain.push(await endToEnd(synth, voice, text, false));
    e2e.speculative.push(await endToEnd(synth, voice, text, true));
    e2e.recommended.push(await endToEnd(synth, voice, text, false, true));
    if (retries) e2e.recommendedNoRetry.push(await endToEnd(synth, voice, text, false, true, 0));
    e2e.streamTtfaMs.push((await timeToFirstAudio(synth, voice, text, false)).ttfaMs);
    log(`end-to-end run ${i + 1}: RTF ${e2e.plain[i].rtf.toFixed(3)} (speculative ${e2e.speculative[i].rtf.toFixed(3)}), first audio ${e2e.streamTtfaMs[i].toFixed(0)} ms`);
  }

  const ttfa = await firstAudioRuns(synth, new Synthesizer(model, { batching: true, lengthLimit: NATURAL_LENGTH }), voice, o.runs, log);

  // After the first-audio runs, which need paragraphs the phonemizer has not seen. Random weights never end speech:
  // they stop at a natural length instead of running each paragraph to the length limit.
  const proseSynth = randomWeights ? new Synthesizer(model, { batching: true, lengthLimit: NATURAL_LENGTH }) : synth;
  const prose: ProseRun[] = [];
  for (let i = 0; i < o.runs; i++) {
    prose.push(await proseRun(proseSynth, voice, recommendedSettings(model).candidates));
    log(`prose run ${i + 1} (recommended settings): RTF ${prose[i].rtf.toFixed(3)}, ${prose[i].retriedChunks} of ${prose[i].chunks} chunks retried`);
  }

  const job = await fixedArJob(model, voice, text, o.seconds, false);
  const ar: Record<ArMode, ArRun[]> = { plain: [], speculative: [], 'self-draft': [] };
  for (let i = 0; i < o.runs; i++) {
    for (const mode of ['plain', 'speculative', 'self-draft'] as const) {
      if (mode === 'speculative' && !model.draft) continue;
      ar[mode].push(await arRun(model, job, mode));
    }
    log(`AR run ${i + 1}: groups/s plain ${ar.plain[i].groupsPerSecond.toFixed(1)}, speculative ${ar.speculative[i]?.groupsPerSecond.toFixed(1) ?? '-'}, self-draft ${ar['self-draft'][i].groupsPerSecond.toFixed(1)}`);
  }

  const grouped = await groupedRun(model, o, text, log);

  const batch = { one: [] as Throughput[], many: [] as Throughput[], batchSizes: [] as number[] };
  const before = synth.batchSizes.length;
  for (let i = 0; i < o.runs; i++) {
    batch.one.push(await concurrent(synth, voice, text, 1));
    batch.many.push(await concurrent(synth, voice, text, o.concurrency));
    log(`concurrency run ${i + 1}: ${batch.one[i].audioPerSecond.toFixed(2)} vs ${batch.many[i].audioPerSecond.toFixed(2)} audio s per s`);
  }
  batch.batchSizes = synth.batchSizes.slice(before);
  const stagger: { one: Throughput; many: Throughput }[] = [];
  for (let i = 0; i < o.runs; i++) {
    stagger.push(await staggered(proseSynth, voice, TTFA_PARAGRAPHS.slice(0, o.concurrency), STAGGER_MS));
    log(`staggered run ${i + 1}: ${stagger[i].one.audioPerSecond.toFixed(2)} one after another vs ${stagger[i].many.audioPerSecond.toFixed(2)} audio s per s ${STAGGER_MS} ms apart`);
  }
  const pool = await poolRuns(o, voice, text, log);

  const pytorch = await pytorchRun(model, o, log);

  const { g1Id, ...groupedDetails } = grouped;
  const med = (runs: ArRun[], f: (r: ArRun) => number): number => median(runs.map(f));
  const plainGps = med(ar.plain, (r) => r.groupsPerSecond);
  const result: EngineBenchResult = {
    kind: 'engine-bench',
    date: new Date().toISOString(),
    machine: machineInfo(),
    loadavg: { start: loadStart.map((x) => round(x, 2)), end: os.loadavg().map((x) => round(x, 2)) },
    model: { id: model.id, dir: model.dir, g1: g1Id, randomWeights, groupSize: model.groupSize, params: { ar: model.manifest.ar.params, draft: model.manifest.draft?.params ?? null, nar: model.manifest.nar?.params ?? null } },
    settings: { seconds: o.seconds, runs: o.runs, sentences: o.sentences, concurrency: o.concurrency, threads: o.threads, torch: o.torch, torchSteps: o.torchSteps, text, phonemes, decoding: 'greedy (temperature 0, no guidance), seed 1',
      voice: voiceId, recommended: recommendedSettings(model), staggerMs: STAGGER_MS },
    notes: notes(randomWeights, o, ar),
    rtf: round(median(e2e.plain.map((r) => r.rtf)), 4),
    rtf_speculative: round(median(e2e.speculative.map((r) => r.rtf)), 4),
    rtf_recommended: round(median(e2e.recommended.map((r) => r.rtf)), 4),
    ...(retries ? { rtf_recommended_no_retry: round(median(e2e.recommendedNoRetry.map((r) => r.rtf)), 4) } : {}),
    rtf_recommended_prose: round(median(prose.map((r) => r.rtf)), 4),
    prose_retried_share: round(median(prose.map((r) => r.retriedChunks / r.chunks))),
    ttfa_ms: round(median(e2e.streamTtfaMs), 1),
    ttfa_fresh_ms: round(median(ttfa.fresh.map((r) => r.ttfaMs)), 1),
    ttfa_natural_ms: round(median(ttfa.natural.map((r) => r.ttfaMs)), 1),
    stall_natural_ms: round(median(ttfa.natural.map((r) => r.stallMs)), 1),
    ttfa_recommended_ms: round(median(ttfa.recommended.map((r) => r.ttfaMs)), 1),
    speculative_speedup: ar.speculative.length ? ratio(med(ar.speculative, (r) => r.groupsPerSecond), plainGps) : null,
    acceptance_rate: ar.speculative.length ? round(med(ar.speculative, (r) => r.acceptanceRate ?? NaN)) : null,
    self_draft_speedup: ratio(med(ar['self-draft'], (r) => r.groupsPerSecond), plainGps),
    self_draft_acceptance_rate: round(med(ar['self-draft'], (r) => r.acceptanceRate ?? NaN)),
    grouped_speedup: grouped.g1WallPerAudioSecond === null ? null : ratio(grouped.g1WallPerAudioSecond, grouped.g2WallPerAudioSecond),
    batch4_speedup: ratio(throughput(pool.many), Math.max(throughput(pool.one), throughput(batch.one))) ?? NaN,
    batch4_inprocess_speedup: ratio(throughput(batch.many), throughput(batch.one)) ?? NaN,
    staggered_speedup: ratio(throughput(stagger.map((s) => s.many)), throughput(stagger.map((s) => s.one))) ?? NaN,
    rss_mb: round(rssLoadedMb, 1),
    rss_growth_mb: round(memory.rssAfterMb - memory.rssAfterWarmupMb, 1),
    pytorch_ratio: ratioOf(pytorch.torch1, pytorch.onnx1),
    pytorch_ratio_threads: ratioOf(pytorch.torch, pytorch.onnx),
    details: { endToEnd: e2e, prose, ttfa, ar, grouped: groupedDetails, batch: { ...batch, pool, staggered: stagger }, memory, pytorch },
  };
  return result;
}

const throughput = (runs: Throughput[]): number => median(runs.map((t) => t.audioPerSecond));

/** One request, then `concurrency` at once, through a SynthesizerPool of the default size (as `parla serve` runs). */
async function poolRuns(o: EngineBenchOptions, voice: Voice, text: string, log: (line: string) => void): Promise<{ workers: number; one: Throughput[]; many: Throughput[] }> {
  const pool = await SynthesizerPool.start(o.modelDir);
  try {
    const out = { workers: pool.size, one: [] as Throughput[], many: [] as Throughput[] };
    await concurrent(pool, voice, text, pool.size); // each worker's first request
    for (let i = 0; i < o.runs; i++) {
      out.one.push(await concurrent(pool, voice, text, 1));
      out.many.push(await concurrent(pool, voice, text, o.concurrency));
      log(`pool of ${pool.size} workers, run ${i + 1}: ${out.one[i].audioPerSecond.toFixed(2)} vs ${out.many[i].audioPerSecond.toFixed(2)} audio s per s`);
    }
    return out;
  } finally {
    await pool.close();
  }
}

/** Time to first audio on fresh paragraphs: at the length limit (stopped at the first audio) and at natural length (whole stream, for the stalls). */
async function firstAudioRuns(synth: Synthesizer, natural: Synthesizer, voice: Voice, runs: number, log: (line: string) => void): Promise<{ fresh: TtfaRun[]; natural: TtfaRun[]; recommended: TtfaRun[] }> {
  const out = { fresh: [] as TtfaRun[], natural: [] as TtfaRun[], recommended: [] as TtfaRun[] };
  const n = TTFA_PARAGRAPHS.length;
  const run = async (s: Synthesizer, text: string, stopAtFirst: boolean, recommended = false): Promise<TtfaRun> => {
    const { stats: _stats, ...r } = await timeToFirstAudio(s, voice, text, false, stopAtFirst, recommended);
    return { text, ...r };
  };
  for (let i = 0; i < runs; i++) {
    out.fresh.push(await run(synth, TTFA_PARAGRAPHS[(2 * i) % n], true));
    out.natural.push(await run(natural, TTFA_PARAGRAPHS[(2 * i + 1) % n], false));
    // The same paragraph again: its phonemes are cached now, as they are for the greedy run's later chunks.
    out.recommended.push(await run(natural, TTFA_PARAGRAPHS[(2 * i + 1) % n], true, true));
    log(`first audio run ${i + 1}: fresh paragraph ${out.fresh[i].ttfaMs.toFixed(0)} ms ("${out.fresh[i].firstChunk}"), natural length ${out.natural[i].ttfaMs.toFixed(0)} ms ("${out.natural[i].firstChunk}", stalls ${out.natural[i].stallMs.toFixed(0)} ms), recommended settings ${out.recommended[i].ttfaMs.toFixed(0)} ms`);
  }
  return out;
}

function notes(randomWeights: boolean, o: EngineBenchOptions, ar: Record<ArMode, ArRun[]>): string[] {
  const n: string[] = [];
  if (randomWeights) {
    n.push('Random weights at the model sizes: speed only. Acceptance rates and end-of-speech behaviour are meaningless (the random drafter agrees with the random AR by chance only); audio is noise.');
  }
  if ([...ar.plain, ...ar.speculative].some((r) => r.endOfSpeech)) n.push('Some AR runs ended speech before the fixed length: groups/s still compare, lengths differ.');
  n.push(
    (randomWeights
      ? `Greedy decoding; generation runs to the length limit (about ${o.seconds} s of audio).`
      : `Greedy decoding of a text of about ${o.seconds} s at ${NATURAL_LENGTH.secondsPerPhoneme} s per phoneme; the model ends speech itself and rates count the audio it made (details.endToEnd).`) +
      ' rtf and ttfa_ms use plain decoding; rtf_speculative uses the drafter.',
  );
  if (o.g1ModelDir && !randomWeights) n.push('grouped_speedup: the G=1 side is a random-weight twin of the AR (same configuration, group size 1; bench/engine/export_random.py --like), run to the same fixed length: steps and wall time per second of audio, speed only.');
  n.push('self_draft_*: the AR as its own drafter (every draft accepted): the upper bound of the verification mechanics, not a real configuration.');
  n.push(
    "ttfa_*: streaming, ms from the stream() call to the first audio piece; the first text chunk's AR + NAR run to completion before its first 0.5 s codec piece is decoded, so it is the first chunk's length that counts (src/engine/first-chunk.ts); with several candidates spliced by words and no NAR, the first word group plays once every candidate has said it (src/engine/early-head.ts). " +
      'ttfa_ms: the bench sentence (no comma: one chunk; cached by the warm-up) run to the length limit, as random weights do. ' +
      'ttfa_fresh_ms: a paragraph of prose the phonemizer has not seen (one per run), at the length limit. ' +
      `ttfa_natural_ms: another such paragraph with the length limit at ${NATURAL_LENGTH.secondsPerPhoneme} s per phoneme, about where a trained model ends speech: the number to hold against the target. ` +
      'stall_natural_ms: in those streams, the total wait a real-time player would hear after the first audio (0 = gapless). ' +
      "ttfa_recommended_ms: the natural-length paragraph again (phonemes cached) with the model's recommended sampling settings, best-of-N candidates included: what the web UI and the API wait by default.",
    "rtf_recommended_no_retry (models whose settings retry badly read chunks, sampling.retry_above): the recommended settings with retryAbove 0, so the cost of the second round of candidates shows; stream() never retries a first chunk unless asked, so ttfa_recommended_ms has none.",
    "rtf_recommended_prose: the recommended settings over the eight first-audio paragraphs (ordinary prose, 2-3 sentences each, seed 1) in the bench's voice: total wall time / total audio, median of runs. prose_retried_share: the share of their chunks that got a second round of candidates. rtf_recommended is one odd sentence (it ends \"... and the.\"): whether its chunk is retried decides it (with the chirp voice of the records before 2026-11-27 it always was).",
  );
  n.push(
    `batch4_speedup: ${o.concurrency} concurrent generate() calls (plain decoding) through a SynthesizerPool of the default size (a worker thread per core, up to 2, each with its own model; requests in a worker share AR steps), as \`parla serve\` runs them, against the faster of one request through the pool and one in-process; audio seconds per wall second. ` +
      `batch4_inprocess_speedup: the same ${o.concurrency} requests on one in-process Synthesizer (batched into one AR batch; onnxruntime-node runs graphs on the calling thread, so the AR uses one core). NAR and codec are not batched.`,
    `staggered_speedup: ${o.concurrency} requests for different prose paragraphs (plain decoding) started ${STAGGER_MS} ms apart on one in-process Synthesizer, each joining the running AR batch before its next step (continuous batching), against the same requests one after another.`,
  );
  n.push(`rss_growth_mb: RSS after ${o.sentences} sentences minus RSS after the first tenth (warm-up).`);
  n.push('pytorch_ratio: PyTorch AR step time / onnxruntime-node AR step time, both at 1 thread (same weights, same prefill, S = 1 steps); > 1 means onnxruntime is faster. pytorch_ratio_threads: the same at settings.threads; on a box loaded far beyond its cores torch 1.13 with 2 OpenMP threads slows down by 10x or more (threads wait on each other), so the 1-thread ratio is the fair one.');
  return n;
}
