/**
 * The Synthesizer in a worker thread, so ONNX runs off the main event loop. onnxruntime-node's `run` executes the
 * graph synchronously on the calling thread (see synthesizer.ts), so an HTTP server that synthesizes in-process stalls
 * for each graph call; this class has the same generate/stream API and keeps the main thread free.
 */
import { Worker } from 'node:worker_threads';
import { ParlaError, type ParlaErrorCode } from '../errors.js';
import type { WorkerReply, WorkerRequest } from './synth-worker.js';
import type { AudioChunk, SynthesisOptions, SynthesisResult } from './types.js';

type Listener = (reply: WorkerReply) => void;

export class WorkerSynthesizer {
  private nextId = 0;
  private readonly listeners = new Map<number, Listener>();
  /** Set once the worker is gone: later requests fail at once instead of waiting for a reply that cannot come. */
  private gone: ParlaError | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: WorkerReply) => {
      if (reply.type !== 'ready') this.listeners.get(reply.id)?.(reply);
    });
    worker.on('error', (err) => this.failAll(err));
    worker.on('exit', (code) => {
      this.gone = new ParlaError('unavailable', `synthesis worker has stopped (exit code ${code})`);
      this.failAll(this.gone);
    });
  }

  /** Starts a worker and loads the model in it (ParlaError model_missing / model_invalid as loadModel). */
  static async start(modelDir: string, options: { threads?: number } = {}): Promise<WorkerSynthesizer> {
    const workerData = { dir: modelDir, threads: options.threads };
    const worker = import.meta.url.endsWith('.ts')
      ? new Worker(tsBootstrap(new URL('./synth-worker.ts', import.meta.url).href), { eval: true, workerData })
      : new Worker(new URL('./synth-worker.js', import.meta.url), { workerData });
    await new Promise<void>((resolve, reject) => {
      const onMessage = (reply: WorkerReply): void => {
        worker.off('message', onMessage);
        if (reply.type === 'ready') resolve();
        else if (reply.type === 'error') reject(toError(reply.error));
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    }).catch(async (err) => {
      await worker.terminate();
      throw err;
    });
    return new WorkerSynthesizer(worker);
  }

  async generate(text: string, options: SynthesisOptions): Promise<SynthesisResult> {
    for await (const reply of this.request('generate', text, options)) {
      if (reply.type === 'result') {
        options.onStats?.(reply.result.stats);
        return reply.result;
      }
    }
    throw new ParlaError('internal', 'synthesis worker ended without a result');
  }

  async *stream(text: string, options: SynthesisOptions): AsyncGenerator<AudioChunk> {
    for await (const reply of this.request('stream', text, options)) {
      if (reply.type === 'chunk') yield reply.chunk;
      else if (reply.type === 'end' && reply.stats) options.onStats?.(reply.stats);
    }
  }

  /**
   * Asks the worker to cancel its work and exit at the end of the graph call it is in: terminate() during a call
   * into onnxruntime aborts the whole process ("terminate called after throwing an instance of 'Napi::Error'").
   * A worker that does not exit within `graceMs` is terminated.
   */
  async close(graceMs = 10_000): Promise<void> {
    if (this.gone) return;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage({ type: 'close' } satisfies WorkerRequest);
    const timer = setTimeout(() => void this.worker.terminate(), graceMs);
    await exited;
    clearTimeout(timer);
  }

  /** Sends one request and yields its replies until 'result'/'end'; an 'error' reply is thrown; abort sends 'cancel'. */
  private async *request(type: 'generate' | 'stream', text: string, options: SynthesisOptions): AsyncGenerator<WorkerReply> {
    const { signal, onStats: _onStats, ...rest } = options;
    if (signal?.aborted) throw new ParlaError('cancelled', 'synthesis was cancelled', { param: 'signal' });
    if (this.gone) throw this.gone;
    const id = this.nextId++;
    const queue: WorkerReply[] = [];
    let wake: (() => void) | null = null;
    this.listeners.set(id, (reply) => {
      queue.push(reply);
      wake?.();
    });
    let finished = false;
    const cancel = (): void => {
      if (!this.gone) this.worker.postMessage({ type: 'cancel', id } satisfies WorkerRequest);
    };
    signal?.addEventListener('abort', cancel, { once: true });
    try {
      this.worker.postMessage({ type, id, text, options: rest } satisfies WorkerRequest);
      for (;;) {
        while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
        const reply = queue.shift()!;
        finished = reply.type === 'error' || reply.type === 'result' || reply.type === 'end';
        if (reply.type === 'error') throw toError(reply.error);
        yield reply;
        if (finished) return;
      }
    } finally {
      signal?.removeEventListener('abort', cancel);
      this.listeners.delete(id);
      // A consumer that stops early (break, client gone) cancels the work still running in the worker.
      if (!finished) cancel();
    }
  }

  private failAll(err: unknown): void {
    for (const [id, listener] of this.listeners) listener({ type: 'error', id, error: { code: 'internal', message: (err as Error)?.message ?? String(err) } });
  }
}

/**
 * Under vitest/tsx this module runs as TypeScript source and the worker entry is a .ts file, which a bare worker
 * cannot load (execArgv --import is not applied to workers on Node 20): register tsx inside the worker first.
 */
function tsBootstrap(entry: string): string {
  return `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
}

function toError(e: { code?: string; message: string; param?: string }): ParlaError {
  return new ParlaError((e.code as ParlaErrorCode | undefined) ?? 'internal', e.message, { param: e.param });
}
