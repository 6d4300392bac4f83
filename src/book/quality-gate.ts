/** The audiobook quality gate: every synthesized chunk is checked (duration for its phonemes, silence, clipping, loops) before it is kept. */
import { checkRobustness, type RobustnessVerdict } from '../eval/robustness.js';
import { ParlaError } from '../errors.js';

/** The checks the gate can run; `duration` fails runaway and too-short audio (too long alone is tolerated, as in eval). */
export const GATE_CHECKS = ['duration', 'silence', 'clipping', 'loops'] as const;
export type GateCheck = (typeof GATE_CHECKS)[number];

/** Failure names checkRobustness reports, by the check that produces them. */
const FAILURES_OF: Record<GateCheck, string[]> = {
  duration: ['runaway', 'too_short'],
  silence: ['silent'],
  clipping: ['clipped'],
  loops: ['looped'],
};

export interface GateReport {
  ok: boolean;
  /** Failed checks among the enabled ones, e.g. ['runaway', 'looped']. */
  failures: string[];
  /** Actual / expected duration (1 = as expected). */
  durationRatio?: number;
  silenceRatio: number;
  clippedRatio: number;
  repeatDistance: number;
}

/**
 * The checks `parla book` runs when `--gate` is not given: all of them, except the loop check for a phoneme-pointer
 * AR. Its pointer only moves forward through the text, so it cannot say a phrase twice, and the loop check's
 * near-repeats are then always false alarms: lists and phrases with a shared rhythm ("January, February, ...", the
 * NATO alphabet), each costing the chunk two more takes (training/README.md, fifteenth and sixteenth sessions).
 */
export function defaultGateChecks(pointerModel: boolean): GateCheck[] {
  return GATE_CHECKS.filter((c) => !(pointerModel && c === 'loops'));
}

/** `--gate all|off|duration,silence,...` -> the enabled checks. */
export function parseGateChecks(spec: string): GateCheck[] {
  const s = spec.trim().toLowerCase();
  if (s === 'all' || s === 'on') return [...GATE_CHECKS];
  if (s === 'off' || s === 'none') return [];
  const checks = s.split(',').map((c) => c.trim()).filter(Boolean);
  for (const c of checks) {
    if (!(GATE_CHECKS as readonly string[]).includes(c)) {
      throw new ParlaError('invalid_input', `--gate: unknown check "${c}"; valid: all, off, or a list of ${GATE_CHECKS.join(', ')}`, { param: 'gate' });
    }
  }
  return [...new Set(checks)] as GateCheck[];
}

/** Checks one chunk's audio; only the enabled checks can fail it, all the numbers are reported. With its text, a text that says something twice is not failed as looped. */
export function gateChunk(pcm: Float32Array, sampleRate: number, phonemeCount: number, checks: readonly GateCheck[], text?: string): GateReport {
  if (pcm.length === 0) {
    return { ok: checks.length === 0, failures: checks.length ? ['empty'] : [], silenceRatio: 1, clippedRatio: 0, repeatDistance: Infinity };
  }
  const v: RobustnessVerdict = checkRobustness(pcm, sampleRate, phonemeCount, text);
  const enabled = new Set(checks.flatMap((c) => FAILURES_OF[c]));
  const failures = v.failures.filter((f) => enabled.has(f));
  return {
    ok: failures.length === 0,
    failures,
    durationRatio: v.duration?.ratio,
    silenceRatio: v.silence.silenceRatio,
    clippedRatio: v.clipping.clippedRatio,
    repeatDistance: v.loops.repeatDistance,
  };
}

/**
 * Orders attempts for "keep the best one" when every attempt failed: fewer failures first, then duration closest to
 * the expected one (log ratio), so a merely slow take wins over a runaway.
 */
export function gateRank(r: GateReport): number {
  const durationMiss = r.durationRatio && r.durationRatio > 0 ? Math.abs(Math.log(r.durationRatio)) : 10;
  return r.failures.length * 100 + durationMiss;
}
