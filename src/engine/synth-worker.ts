/** Worker-thread side of WorkerSynthesizer: loads the model once and serves generate/stream requests by message. */
import { parentPort, workerData } from 'node:worker_threads';
import { isParlaError } from '../errors.js';
import { loadModel } from './model.js';
import { Synthesizer } from './synthesizer.js';
import type { SynthesisOptions } from './types.js';

/** Messages from the main thread. Options travel without `signal`/`onStats` (not cloneable): cancel and stats are messages. */
export type WorkerRequest =
  | { type: 'generate' | 'stream'; id: number; text: string; options: Omit<SynthesisOptions, 'signal' | 'onStats'> }
  | { type: 'cancel'; id: number }
  /** Cancel everything and exit once no graph is running (terminating a worker inside onnxruntime aborts the process). */
  | { type: 'close' };

export type WorkerReply =
  | { type: 'ready' }
  | { type: 'chunk'; id: number; chunk: import('./types.js').AudioChunk }
  | { type: 'result'; id: number; result: import('./types.js').SynthesisResult }
  | { type: 'end'; id: number; stats?: import('./types.js').SynthesisStats }
  | { type: 'error'; id: number; error: { code?: string; message: string; param?: string } };

const port = parentPort!;
const { dir, threads } = workerData as { dir: string; threads?: number };
const running = new Map<number, AbortController>();

const send = (reply: WorkerReply, transfer: ArrayBuffer[] = []): void => port.postMessage(reply, transfer);
/** The buffer to transfer, when `a` is the only view of it (otherwise it is copied). */
const transferable = (a: Float32Array): ArrayBuffer[] => (a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? [a.buffer as ArrayBuffer] : []);
const errorOf = (err: unknown): { code?: string; message: string; param?: string } =>
  isParlaError(err) ? { code: err.code, message: err.message, param: err.param } : { message: (err as Error)?.message ?? String(err) };

async function serve(synth: Synthesizer, req: Extract<WorkerRequest, { type: 'generate' | 'stream' }>): Promise<void> {
  const controller = new AbortController();
  running.set(req.id, controller);
  let stats: WorkerReply & { type: 'end' } = { type: 'end', id: req.id };
  const options: SynthesisOptions = { ...req.options, signal: controller.signal, onStats: (s) => (stats = { ...stats, stats: s }) };
  try {
    if (req.type === 'generate') {
      const result = await synth.generate(req.text, options);
      send({ type: 'result', id: req.id, result }, transferable(result.audio));
    } else {
      for await (const chunk of synth.stream(req.text, options)) send({ type: 'chunk', id: req.id, chunk }, transferable(chunk.audio));
      send(stats);
    }
  } catch (err) {
    send({ type: 'error', id: req.id, error: errorOf(err) });
  } finally {
    running.delete(req.id);
    if (closing && running.size === 0) port.close();
  }
}

let closing = false;

try {
  const synth = new Synthesizer(await loadModel(dir, { threads }));
  await synth.warmUp(); // before "ready": the first request should not pay first-use costs
  port.on('message', (req: WorkerRequest) => {
    if (req.type === 'cancel') running.get(req.id)?.abort();
    else if (req.type === 'close') {
      closing = true;
      for (const c of running.values()) c.abort();
      if (running.size === 0) port.close(); // nothing left to do: the worker's event loop empties and it exits
    } else if (!closing) void serve(synth, req);
  });
  send({ type: 'ready' });
} catch (err) {
  send({ type: 'error', id: -1, error: errorOf(err) });
}
