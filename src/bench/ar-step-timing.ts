/**
 * One AR step (S = 1, KV cache) timed in onnxruntime-node and in the PyTorch reference (training code, same
 * weights from <model>/ar.pt, same prefill lengths), side by side; the ratio says what the ONNX export buys.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ArModel } from '../lm/ar-model.js';
import { ArSession } from '../lm/ar-session.js';
import { PACKAGE_ROOT } from '../paths.js';
import { median } from './engine-measures.js';

export interface StepTiming {
  runtime: string;
  threads: number;
  prefillMs: number;
  stepMsMedian: number;
  steps: number;
}

export interface StepShape {
  /** Text tokens and prompt groups in the prefill. */
  text: number;
  groups: number;
  steps: number;
  threads: number;
}

/** The PyTorch side: bench/engine/torch_ar_step.py, run by Debian's python (PARLA_PYTHON overrides). */
export const TORCH_SCRIPT = path.join(PACKAGE_ROOT, 'bench', 'engine', 'torch_ar_step.py');
const PYTHON = process.env.PARLA_PYTHON ?? '/usr/bin/python3';

/** Prefill with the same synthetic tokens as the Python script, then `steps` greedy steps, each timed. */
export async function onnxStepTiming(ar: ArModel, shape: StepShape): Promise<StepTiming> {
  const g = ar.dims.groupSize;
  const codebookSize = ar.dims.vocabSize - 1;
  const text = Array.from({ length: shape.text }, (_, i) => (i % 100) + 4);
  const groups = Array.from({ length: shape.groups }, (_, i) => Array.from({ length: g }, (_, j) => (i * g + j) % 1000));
  const session = ArSession.start(ar);
  let t0 = performance.now();
  let logits = await session.prefill([{ text, groups }]);
  const prefillMs = performance.now() - t0;
  const v = logits.vocabSize;
  const times: number[] = [];
  for (let i = 0; i < shape.steps; i++) {
    const last = logits.data.subarray((logits.positions - 1) * g * v, logits.positions * g * v);
    const group = Array.from({ length: g }, (_, j) => Math.min(argmax(last.subarray(j * v, (j + 1) * v)), codebookSize - 1));
    t0 = performance.now();
    logits = await session.step([group]);
    times.push(performance.now() - t0);
  }
  return { runtime: 'onnxruntime-node', threads: shape.threads, prefillMs, stepMsMedian: median(times), steps: shape.steps };
}

/** null (with the reason) when the model folder has no ar.pt or python/torch is missing. */
export function torchStepTiming(modelDir: string, shape: StepShape): StepTiming | { error: string } {
  const ckpt = path.join(modelDir, 'ar.pt');
  if (!existsSync(ckpt)) return { error: `${ckpt} not found (export the model with bench/engine/export_random.py)` };
  const args = [TORCH_SCRIPT, `--ckpt=${ckpt}`, `--text=${shape.text}`, `--groups=${shape.groups}`, `--steps=${shape.steps}`, `--threads=${shape.threads}`];
  const r = spawnSync(PYTHON, args, { cwd: PACKAGE_ROOT, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) return { error: `${PYTHON} ${path.basename(TORCH_SCRIPT)} failed: ${(r.error?.message ?? r.stderr).trim().slice(-300)}` };
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { runtime: string; prefill_ms: number; step_ms_median: number; steps: number };
  return { runtime: out.runtime, threads: shape.threads, prefillMs: out.prefill_ms, stepMsMedian: out.step_ms_median, steps: out.steps };
}

function argmax(xs: Float32Array): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i] > xs[best]) best = i;
  return best;
}
