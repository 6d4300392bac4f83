/** Codec speed benchmark: encode + decode of one clip of real speech, median over runs, as a real-time factor (speed bar: <= 0.03 on 2 cores). */
import { statSync } from 'node:fs';
import { Codec } from '../codec/codec.js';
import { readCodecSpec } from '../codec/spec.js';
import { ParlaError } from '../errors.js';
import { machineInfo, type MachineInfo } from './run-machine.js';
import { loadCodecEvalSet, loadRecordings } from './run-sets.js';

/** The speed bar of the codec issue: encode + decode at most 3% of the audio's duration. */
export const CODEC_RTF_BAR = 0.03;

export interface CodecBenchOptions {
  modelDir: string;
  /** Clip length (default 10). */
  seconds?: number;
  /** onnxruntime intra-op threads (default 2). */
  threads?: number;
  /** Timed runs after one warm-up (default 5). */
  runs?: number;
}

export interface CodecBenchResult {
  kind: 'codec-bench';
  model: { id: string; dir: string; encoderBytes?: number; decoderBytes?: number };
  date: string;
  machine: MachineInfo;
  threads: number;
  seconds: number;
  runs: number;
  /** Per-run wall-clock seconds. */
  encodeSeconds: number[];
  decodeSeconds: number[];
  medianEncodeSeconds: number;
  medianDecodeSeconds: number;
  /** Median of per-run encode + decode. */
  medianTotalSeconds: number;
  /** medianTotalSeconds / seconds */
  rtf: number;
  /** Fastest run's (encode + decode) / seconds: on a loaded machine, the closest to its unloaded speed. */
  minRtf: number;
  bar: { rtf: number; met: boolean };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** `seconds` of held-out Kathleen speech (codec-kathleen recordings joined end to end), 16 kHz. */
export async function speechClip(seconds: number): Promise<Float32Array> {
  const set = loadCodecEvalSet('codec-kathleen');
  const want = Math.round(seconds * 16000);
  const out = new Float32Array(want);
  let filled = 0;
  for (const item of set.items) {
    const [u] = await loadRecordings([item]);
    out.set(u.audio.subarray(0, want - filled), filled);
    filled += Math.min(u.audio.length, want - filled);
    if (filled >= want) return out;
  }
  throw new ParlaError('invalid_input', `codec-kathleen holds less than ${seconds} s of speech`, { param: 'seconds' });
}

export async function runCodecBench(options: CodecBenchOptions): Promise<CodecBenchResult> {
  const seconds = options.seconds ?? 10;
  const threads = options.threads ?? 2;
  const runs = options.runs ?? 5;
  if (!(seconds > 0 && seconds <= 120)) throw new ParlaError('invalid_input', `--seconds must be in (0, 120], got ${seconds}`, { param: 'seconds' });
  if (!Number.isInteger(runs) || runs < 1) throw new ParlaError('invalid_input', `--runs must be a positive integer, got ${runs}`, { param: 'runs' });
  // The codec's own id names the row (a language model shipped over the codec would otherwise name it instead).
  const { codecId: id, spec } = readCodecSpec(options.modelDir);
  const codec = await Codec.load(spec, { intraOpThreads: threads, interOpThreads: 1 });
  const pcm = await speechClip(seconds);
  const encodeSeconds: number[] = [];
  const decodeSeconds: number[] = [];
  try {
    await codec.decode(await codec.encode(pcm)); // warm-up: first runs allocate and pick kernels
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const codes = await codec.encode(pcm);
      const t1 = performance.now();
      await codec.decode(codes);
      const t2 = performance.now();
      encodeSeconds.push((t1 - t0) / 1000);
      decodeSeconds.push((t2 - t1) / 1000);
    }
  } finally {
    await codec.release();
  }
  const medianTotalSeconds = median(encodeSeconds.map((e, i) => e + decodeSeconds[i]));
  const rtf = medianTotalSeconds / seconds;
  return {
    kind: 'codec-bench',
    model: { id, dir: options.modelDir, encoderBytes: statSync(spec.encoderPath).size, decoderBytes: statSync(spec.decoderPath).size },
    date: new Date().toISOString(),
    machine: machineInfo(),
    threads,
    seconds,
    runs,
    encodeSeconds,
    decodeSeconds,
    medianEncodeSeconds: median(encodeSeconds),
    medianDecodeSeconds: median(decodeSeconds),
    medianTotalSeconds,
    rtf,
    minRtf: Math.min(...encodeSeconds.map((e, i) => e + decodeSeconds[i])) / seconds,
    bar: { rtf: CODEC_RTF_BAR, met: rtf <= CODEC_RTF_BAR },
  };
}
