/**
 * Loudness matching across chapters: each chapter's EBU R128 integrated loudness is measured with ffmpeg's ebur128
 * filter and the chapter gets one linear gain to the target, so chapters play equally loud and dynamics inside a
 * chapter are untouched. The gain never lifts the sample peak over the ceiling (no limiter here: ffmpeg's alimiter
 * delays the signal in older builds, which would shift chapter marks); limit peaks per chunk before, with
 * audio/loudness.ts, if the ceiling keeps a chapter under the target.
 */
import { runFfmpeg, summarizeStderr } from '../audio/ffmpeg.js';
import { ParlaError } from '../errors.js';

export interface LoudnessTarget {
  /** Integrated loudness to reach, LUFS. Default -19: inside ACX's -23..-18 dB RMS window for audiobooks. */
  targetLufs?: number;
  /** Sample peak ceiling, dBFS. Default -3 (ACX's peak limit). */
  ceilingDb?: number;
}

export interface LoudnessMeasurement {
  /** LUFS; -70 or lower means silence (below the absolute gate). */
  integratedLufs: number;
  samplePeakDb: number;
}

/** Largest correction applied: beyond this the chapter is broken (silent or clipped), not merely quiet or loud. */
const MAX_GAIN_DB = 30;

export async function measureLoudness(file: string): Promise<LoudnessMeasurement> {
  // The summary is printed at info level, hence -loglevel info after runFfmpeg's default warning level.
  const args = ['-i', file, '-loglevel', 'info', '-af', 'ebur128=peak=sample:framelog=verbose', '-f', 'null', '-'];
  const run = await runFfmpeg(args, { timeoutMs: 600_000, what: `measuring loudness of ${file}` });
  const summary = run.stderr.slice(run.stderr.lastIndexOf('Summary:'));
  const integrated = /I:\s+(-?[\d.]+|-inf) LUFS/.exec(summary)?.[1];
  const peak = /Peak:\s+(-?[\d.]+|-inf) dBFS/.exec(summary)?.[1];
  if (run.exitCode !== 0 || integrated === undefined || peak === undefined) {
    throw new ParlaError('internal', `could not measure loudness of ${file}: ${summarizeStderr(run.stderr)}`, { param: file });
  }
  const num = (s: string): number => (s === '-inf' ? -Infinity : Number(s));
  return { integratedLufs: num(integrated), samplePeakDb: num(peak) };
}

/** Gain in dB that brings `m` to the target without lifting its peak over the ceiling; 0 for silence; within ±30 dB. */
export function gainToTarget(m: LoudnessMeasurement, target: LoudnessTarget = {}): number {
  if (!(m.integratedLufs > -70)) return 0;
  const toTarget = (target.targetLufs ?? -19) - m.integratedLufs;
  const toCeiling = (target.ceilingDb ?? -3) - m.samplePeakDb;
  return Math.max(-MAX_GAIN_DB, Math.min(MAX_GAIN_DB, toTarget, toCeiling));
}
