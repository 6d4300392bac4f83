/**
 * The codec evaluation: a set's recordings resynthesized by the neural codec at several codebook counts,
 * next to the originals and classical codecs, scored in one run (WER/CER + ratio to the originals, STOI,
 * log-mel L1, speaker similarity to the original, real-time factor of the round trip).
 */
import { Codec } from '../codec/codec.js';
import { firstCodebooks } from '../codec/codes.js';
import { readCodecSpec } from '../codec/spec.js';
import { BASELINES, type BaselineName } from './run-baselines.js';
import { machineInfo, type MachineInfo } from './run-machine.js';
import { scoreOutputs, type ScoredRow } from './run-score.js';
import { loadRecordings, type CodecEvalSet, type SpeakerUtterance } from './run-sets.js';
import { openSimilarity, type Similarity } from './run-similarity.js';
import { EVAL_SAMPLE_RATE } from './rate.js';

export interface CodecEvalOptions {
  modelDir: string;
  set: CodecEvalSet;
  /** Neural rows: decode with the first n codebooks for each n (default: every power of two up to Q). */
  codebooks?: number[];
  baselines?: BaselineName[];
  /** Use only the first `limit` items of the set. */
  limit?: number;
  /** onnxruntime intra-op threads (default 2, as in the speed bar). */
  threads?: number;
  /** Speaker encoder .onnx; default: <modelDir>/speaker_encoder.onnx, else models/default/speaker_encoder.onnx. */
  speakerEncoder?: string;
  /** Progress lines (stderr in the CLI). */
  log?: (line: string) => void;
}

export interface CodecEvalRow extends ScoredRow {
  name: string;
  kind: 'original' | 'neural' | 'baseline';
  /** Nominal bitrate (kbps), null for the originals. */
  kbps: number | null;
  codebooks: number | null;
  /** Round-trip seconds / audio seconds (neural: encode + decode with onnxruntime; baselines: incl. process start). */
  rtf: number | null;
  /** Classical codecs: size of the compressed streams (container included) / audio duration, in kbps. */
  measuredKbps?: number;
}

export interface CodecEvalResult {
  kind: 'codec';
  model: { id: string; dir: string };
  set: { name: string; description: string; utterances: number; seconds: number; intelligibility: boolean };
  date: string;
  machine: MachineInfo;
  threads: number;
  /** Why similarity is missing, or the encoder used. */
  speakerEncoder: { available: boolean; path?: string; reason?: string };
  /** Mean cosine between different real utterances of the same speaker (null: one utterance per speaker, or no encoder). */
  realRealSimilarity: number | null;
  rows: CodecEvalRow[];
}

/** Runs the codec evaluation; rows: original, neural n=1..Q, then the baselines in the order given. */
export async function runCodecEval(options: CodecEvalOptions): Promise<CodecEvalResult> {
  const log = options.log ?? (() => undefined);
  const { id, spec } = readCodecSpec(options.modelDir);
  const threads = options.threads ?? 2;
  const codec = await Codec.load(spec, { intraOpThreads: threads });
  const codebooks = options.codebooks ?? [1, 2, 4, 8, 16, 32].filter((n) => n <= spec.numCodebooks);
  const items = options.set.items.slice(0, options.limit ?? options.set.items.length);
  const utterances = await loadRecordings(items);
  const seconds = utterances.reduce((s, u) => s + u.audio.length, 0) / EVAL_SAMPLE_RATE;
  const similarity = await openSimilarity(options.modelDir, options.speakerEncoder);
  const asr = options.set.intelligibility;
  log(`${options.set.name}: ${utterances.length} utterances, ${seconds.toFixed(1)} s; model ${id}; speaker similarity ${similarity.info.available ? 'on' : `off (${similarity.info.reason})`}`);
  const score = (outputs: Float32Array[]) => scoreOutputs(utterances, outputs, { asr, similarity });

  const rows: CodecEvalRow[] = [];
  rows.push({ name: 'original', kind: 'original', kbps: null, codebooks: null, rtf: null, ...(await score(utterances.map((u) => u.audio))) });
  log('scored original');

  // Encode once, decode at each codebook count; timed one utterance at a time so the RTF is not shared with scoring.
  const encoded = [];
  let encodeSeconds = 0;
  for (const u of utterances) {
    const t = performance.now();
    encoded.push(await codec.encode(u.audio));
    encodeSeconds += (performance.now() - t) / 1000;
  }
  for (const n of codebooks) {
    let decodeSeconds = 0;
    const outputs: Float32Array[] = [];
    for (const [i, codes] of encoded.entries()) {
      const t = performance.now();
      const pcm = await codec.decode(firstCodebooks(codes, n));
      decodeSeconds += (performance.now() - t) / 1000;
      outputs.push(fit(pcm, utterances[i].audio.length));
    }
    const kbps = (n * Math.log2(spec.codebookSize) * spec.sampleRate) / spec.hopLength / 1000;
    rows.push({ name: `${id} ${n} cb`, kind: 'neural', kbps, codebooks: n, rtf: (encodeSeconds + decodeSeconds) / seconds, ...(await score(outputs)) });
    log(`scored neural codec, ${n} codebooks`);
  }
  await codec.release();

  for (const name of options.baselines ?? []) {
    const baseline = BASELINES[name];
    const t = performance.now();
    const outputs: Float32Array[] = [];
    let bits = 0;
    for (const u of utterances) {
      const { audio, bitsPerSecond } = await baseline.roundTrip(u.audio);
      outputs.push(fit(audio, u.audio.length));
      bits += ((bitsPerSecond ?? 0) * u.audio.length) / EVAL_SAMPLE_RATE;
    }
    const rtf = (performance.now() - t) / 1000 / seconds;
    const measured = baseline.kbps === null ? {} : { measuredKbps: bits / seconds / 1000 };
    rows.push({ name: baseline.label, kind: 'baseline', kbps: baseline.kbps, codebooks: null, rtf, ...measured, ...(await score(outputs)) });
    log(`scored ${baseline.label}`);
  }

  return {
    kind: 'codec',
    model: { id, dir: options.modelDir },
    set: { name: options.set.name, description: options.set.description, utterances: utterances.length, seconds, intelligibility: asr },
    date: new Date().toISOString(),
    machine: machineInfo(),
    threads,
    speakerEncoder: similarity.info,
    realRealSimilarity: await realRealSimilarity(utterances, similarity),
    rows,
  };
}

/** Trims or zero-pads a round-trip output to the input length (the codec decodes whole frames). */
function fit(pcm: Float32Array, length: number): Float32Array {
  if (pcm.length === length) return pcm;
  const out = new Float32Array(length);
  out.set(pcm.subarray(0, length));
  return out;
}

/** Mean similarity over pairs of different utterances of one speaker: the ceiling a resynthesis can hope for. */
async function realRealSimilarity(utterances: readonly SpeakerUtterance[], similarity: Similarity): Promise<number | null> {
  if (!similarity.encoder) return null;
  const bySpeaker = new Map<string, SpeakerUtterance[]>();
  for (const u of utterances) bySpeaker.set(u.speaker, [...(bySpeaker.get(u.speaker) ?? []), u]);
  const scores: number[] = [];
  for (const group of bySpeaker.values()) {
    for (let i = 0; i + 1 < group.length; i += 2) {
      const s = await similarity.compare(group[i].audio, group[i + 1].audio);
      if (s !== null) scores.push(s);
    }
  }
  return scores.length === 0 ? null : scores.reduce((a, b) => a + b, 0) / scores.length;
}
