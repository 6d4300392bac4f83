/** Energy-based silence handling: edge trimming, a frame VAD and the silence ratio. */
import { frameRms, fromDb, peak } from './levels.js';

export interface SilenceOptions {
  /** Frames quieter than the loudest frame by more than this many dB are silence (default -40). */
  thresholdDb?: number;
  /** Anything below this absolute level (dBFS) is silence, whatever the peak (default -60). */
  floorDb?: number;
  /** Analysis frame (default 10 ms). */
  frameMs?: number;
}

export interface TrimOptions extends SilenceOptions {
  /** Silence kept before the first and after the last voiced frame (default 50 ms). */
  marginMs?: number;
}

/**
 * Voiced/silent decision per frame: frame RMS above max(loudest frame RMS · thresholdDb, floorDb).
 * @returns (ceil(N / frame),) 1 = voiced, 0 = silent
 */
export function voiceActivity(pcm: Float32Array, sampleRate: number, opts: SilenceOptions = {}): Uint8Array {
  const frame = Math.max(1, Math.round(((opts.frameMs ?? 10) / 1000) * sampleRate));
  const levels = frameRms(pcm, frame);
  const threshold = Math.max(peak(levels) * fromDb(opts.thresholdDb ?? -40), fromDb(opts.floorDb ?? -60));
  return Uint8Array.from(levels, (l) => (l > threshold ? 1 : 0));
}

/** Fraction of frames that are silent (0..1); 1 for empty or all-silent audio. */
export function silenceRatio(pcm: Float32Array, sampleRate: number, opts: SilenceOptions = {}): number {
  const vad = voiceActivity(pcm, sampleRate, opts);
  if (vad.length === 0) return 1;
  let voiced = 0;
  for (const v of vad) voiced += v;
  return 1 - voiced / vad.length;
}

/**
 * Sample range [start, end) from `marginMs` before the first voiced frame to `marginMs` after the
 * last one, clamped to the signal; [0, 0) when nothing is voiced.
 */
export function speechBounds(pcm: Float32Array, sampleRate: number, opts: TrimOptions = {}): { start: number; end: number } {
  const frame = Math.max(1, Math.round(((opts.frameMs ?? 10) / 1000) * sampleRate));
  const vad = voiceActivity(pcm, sampleRate, opts);
  const first = vad.indexOf(1);
  if (first < 0) return { start: 0, end: 0 };
  const last = vad.lastIndexOf(1);
  const margin = Math.round(((opts.marginMs ?? 50) / 1000) * sampleRate);
  return { start: Math.max(0, first * frame - margin), end: Math.min(pcm.length, (last + 1) * frame + margin) };
}

/** Cut leading and trailing silence, keeping a small margin. @returns a new array (empty if all silent) */
export function trimSilence(pcm: Float32Array, sampleRate: number, opts: TrimOptions = {}): Float32Array {
  const { start, end } = speechBounds(pcm, sampleRate, opts);
  return pcm.slice(start, end);
}

/**
 * The sample at the middle of the quietest `windowMs` stretch whose middle lies in [from, to) (samples): where to
 * cut speech with the least chance of cutting a word (a pause, else the softest moment). Ties -> the latest, so a
 * cut keeps as much as it may. `to` is clamped to the signal; from >= to gives `to`.
 */
export function quietestCut(pcm: Float32Array, sampleRate: number, from: number, to: number, windowMs = 60): number {
  const end = Math.min(to, pcm.length);
  const half = Math.max(1, Math.round((windowMs / 2000) * sampleRate));
  const hop = Math.max(1, Math.round(sampleRate / 200)); // 5 ms steps
  let best = end;
  let bestEnergy = Infinity;
  for (let at = Math.max(0, from); at < end; at += hop) {
    let energy = 0;
    for (let i = Math.max(0, at - half); i < Math.min(pcm.length, at + half); i++) energy += pcm[i] * pcm[i];
    if (energy <= bestEnergy) {
      bestEnergy = energy;
      best = at;
    }
  }
  return best;
}
