/** The one place ONNX sessions are created: CPU execution provider, configurable threads, errors naming the file. */
import { existsSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { ParlaError } from './errors.js';

export interface SessionOptions {
  /** Threads inside one operator (default: 2, the cores of the reference machine). */
  intraOpThreads?: number;
  interOpThreads?: number;
  /**
   * Let the session's worker threads spin-wait for work between operators (onnxruntime's default; here default
   * false). Why off: the engine runs several sessions in turn (AR, codec decoder, reader) on few cores, and each
   * session's pool kept spinning after its run and took the cores from the next: off, best-of-four synthesis of 8 s
   * took 1.09 s instead of 1.45 s and one candidate 0.51 s instead of 0.69 s (2-core Xeon, 2026-11-27). A lone
   * session running many tiny steps is faster with it on (one AR step 1.45 ms against 2.09 ms).
   */
  spinWait?: boolean;
}

export async function createSession(path: string, options: SessionOptions = {}): Promise<ort.InferenceSession> {
  if (!existsSync(path)) throw new ParlaError('model_missing', `ONNX file not found: ${path}`, { param: path });
  try {
    return await ort.InferenceSession.create(path, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      intraOpNumThreads: options.intraOpThreads ?? 2,
      interOpNumThreads: options.interOpThreads ?? 1,
      // Session config entries (onnxruntime_session_options_config_keys.h); onnxruntime-node passes them on.
      extra: { session: { intra_op: { allow_spinning: options.spinWait ? '1' : '0' }, inter_op: { allow_spinning: options.spinWait ? '1' : '0' } } },
    });
  } catch (err) {
    throw new ParlaError('model_invalid', `cannot load ONNX model ${path}: ${(err as Error).message}`, { param: path, cause: err });
  }
}

/** A session for `path` that has been checked to take `inputs` and give `outputs` (every graph the runtime opens). */
export async function openGraph(path: string, inputs: readonly string[], outputs: readonly string[], options: SessionOptions = {}): Promise<ort.InferenceSession> {
  const session = await createSession(path, options);
  expectSessionIO(session, path, inputs, outputs);
  return session;
}

/** Checks that a session has the inputs and outputs the manifest promises, naming what is missing. */
export function expectSessionIO(session: ort.InferenceSession, path: string, inputs: readonly string[], outputs: readonly string[]): void {
  for (const name of inputs) {
    if (!session.inputNames.includes(name)) {
      throw new ParlaError('model_invalid', `${path} has no input "${name}" (inputs: ${session.inputNames.join(', ')})`, { param: path });
    }
  }
  for (const name of outputs) {
    if (!session.outputNames.includes(name)) {
      throw new ParlaError('model_invalid', `${path} has no output "${name}" (outputs: ${session.outputNames.join(', ')})`, { param: path });
    }
  }
}

export { ort };
