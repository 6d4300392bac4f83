/**
 * Cutting a voice prompt longer than the model reads well from. The shipped AR was trained on prompts of 3-6 s
 * (training/lm/dataset.py) and reads worse from longer ones: Kathleen's held-out sentences prompted with her 4 s
 * prompt followed by two more of her sentences (8-11.7 s, transcript typed) read 42.5% WER over three seeds, cut
 * 36.8% (her prompt alone: 34.5% typed, 38-39% heard), and the cut prompt costs the AR less (RTF 0.136 against 0.172;
 * training/README.md, eighteenth session). model.json `prompt_max_seconds` says how long a prompt may be (at pace:
 * a slow prompt sped up to fit keeps all it says); a longer one keeps its first stretch, cut at the quietest moment
 * (a pause, if there is one) in the second half of that length.
 */
import { quietestCut, trimSilence } from '../audio/silence.js';

export interface CroppedPrompt {
  pcm: Float32Array;
  /** Seconds of speech before the cut; absent when the prompt was short enough. */
  croppedFrom?: number;
}

/**
 * `pcm`: trimmed speech at pace. A cut that would leave less than `minSeconds` of speech (a pause of seconds right
 * after a short first phrase) falls back to the first `maxSeconds`, silence and all.
 */
export function cropPrompt(pcm: Float32Array, sampleRate: number, maxSeconds: number | null, minSeconds: number): CroppedPrompt {
  const max = maxSeconds === null ? Infinity : Math.round(maxSeconds * sampleRate);
  if (pcm.length <= max) return { pcm };
  const croppedFrom = pcm.length / sampleRate;
  const kept = trimSilence(pcm.subarray(0, quietestCut(pcm, sampleRate, Math.round(max / 2), max)), sampleRate);
  return { pcm: kept.length >= minSeconds * sampleRate ? kept : pcm.slice(0, max), croppedFrom };
}
