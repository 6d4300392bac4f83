/** The one place ONNX sessions are created: CPU execution provider, configurable threads, errors naming the file. */
import { existsSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { ParlaError } from './errors.js';

export interface SessionOptions {
  /** Threads inside one operator (default: 2, the cores of the reference machine). */
  intraOpThreads?: number;
  interOpThreads?: number;
}

export async function createSession(path: string, options: SessionOptions = {}): Promise<ort.InferenceSession> {
  if (!existsSync(path)) throw new ParlaError('model_missing', `ONNX file not found: ${path}`, { param: path });
  try {
    return await ort.InferenceSession.create(path, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      intraOpNumThreads: options.intraOpThreads ?? 2,
      interOpNumThreads: options.interOpThreads ?? 1,
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
