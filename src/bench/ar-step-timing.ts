/**
 * One AR step (S = 1, KV cache) timed in onnxruntime-node and in the PyTorch reference (training code, same
 * weights from <model>/ar.pt, same prefill lengths), side by side; the ratio says what the ONNX export buys.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { LoadedModel } from '../engine/model.js';
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
export const PYTHON = process.env.PARLA_PYTHON ?? '/usr/bin/python3';

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

/**
 * The PyTorch checkpoint the AR was exported from: `<model>/ar.pt` (the random-weight bench models), else the
 * repository path in model.json `training.checkpoints.ar` (a shipped model points at its committed checkpoint
 * instead of carrying a second copy of its weights).
 */
export function referenceCheckpoint(model: Pick<LoadedModel, 'dir' | 'manifest'>): string | { error: string } {
  const local = path.join(model.dir, 'ar.pt');
  if (existsSync(local)) return local;
  const recorded = recordedArCheckpoint(model.manifest);
  if (recorded === undefined) return { error: `${local} not found and model.json has no training.checkpoints.ar (bench models: bench/engine/export_random.py)` };
  const ckpt = path.resolve(PACKAGE_ROOT, recorded);
  return existsSync(ckpt) ? ckpt : { error: `training.checkpoints.ar: ${ckpt} not found` };
}

/** model.json `training.checkpoints.ar`: the repository path of the AR's committed checkpoint, if recorded. */
export function recordedArCheckpoint(manifest: LoadedModel['manifest']): string | undefined {
  const recorded = (manifest.training as { checkpoints?: { ar?: unknown } }).checkpoints?.ar;
  return typeof recorded === 'string' ? recorded : undefined;
}

/** An error (with the reason) when there is no PyTorch checkpoint for the model or python/torch is missing. */
export function torchStepTiming(model: Pick<LoadedModel, 'dir' | 'manifest'>, shape: StepShape): StepTiming | { error: string } {
  const ckpt = referenceCheckpoint(model);
  if (typeof ckpt !== 'string') return ckpt;
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
