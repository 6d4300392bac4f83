/** The classical-codec rows of the codec evaluation: Opus 6/12 kbps, Codec2 3.2 kbps and the originals band-limited to 4 kHz. */
import { resample } from '../audio/resample.js';
import { ParlaError } from '../errors.js';
import { codec2RoundTrip, opusRoundTrip } from './codecs-classical.js';
import { EVAL_SAMPLE_RATE } from './rate.js';

export interface Baseline {
  /** Row label in the tables. */
  label: string;
  /** Nominal bitrate in kbps (null: not a codec). */
  kbps: number | null;
  /** 16 kHz mono in, 16 kHz mono out, aligned with the input; bits/s of the compressed stream incl. container (null: none). */
  roundTrip: (pcm: Float32Array) => Promise<{ audio: Float32Array; bitsPerSecond: number | null }>;
}

/**
 * Opus 6 kbps and Codec2 are narrowband (< 4 kHz) and so is the `narrowband` row, which separates the
 * bandwidth loss from the coding loss. Opus 12 kbps is wideband: the fair comparison for a 16 kHz codec,
 * and the one pocketsphinx (a 16 kHz model) can read (bench/README.md).
 */
export const BASELINES = {
  opus6: { label: 'Opus 6 kbps', kbps: 6, roundTrip: (pcm) => opusRoundTrip(pcm, EVAL_SAMPLE_RATE, 6000) },
  opus12: { label: 'Opus 12 kbps', kbps: 12, roundTrip: (pcm) => opusRoundTrip(pcm, EVAL_SAMPLE_RATE, 12000) },
  codec2: { label: 'Codec2 3.2 kbps', kbps: 3.2, roundTrip: (pcm) => codec2RoundTrip(pcm, EVAL_SAMPLE_RATE, '3200') },
  narrowband: {
    label: 'original via 8 kHz',
    kbps: null,
    roundTrip: async (pcm) => ({ audio: resample(resample(pcm, EVAL_SAMPLE_RATE, 8000), 8000, EVAL_SAMPLE_RATE), bitsPerSecond: null }),
  },
} satisfies Record<string, Baseline>;
export type BaselineName = keyof typeof BASELINES;
export const DEFAULT_BASELINES: BaselineName[] = ['opus6', 'opus12', 'codec2'];

/** Parses 'opus6,opus12,codec2' (or 'none'); unknown names list the valid ones. */
export function parseBaselines(value: string): BaselineName[] {
  if (value.trim() === 'none') return [];
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const name of names) {
    if (!(name in BASELINES)) {
      throw new ParlaError('invalid_input', `unknown baseline "${name}" in --baselines; valid: ${Object.keys(BASELINES).join(', ')}, none`, { param: 'baselines' });
    }
  }
  return names as BaselineName[];
}

/** Parses '1,2,4,8' into codebook counts within 1..max. */
export function parseCodebookList(value: string, max: number): number[] {
  const counts = value.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (counts.length === 0 || counts.some((n) => !Number.isInteger(n) || n < 1 || n > max)) {
    throw new ParlaError('invalid_input', `--codebooks must be a comma-separated list of integers in 1..${max}, got "${value}"`, { param: 'codebooks' });
  }
  return [...new Set(counts)].sort((a, b) => a - b);
}
