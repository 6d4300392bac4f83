/**
 * Several synthesis workers behind one generate/stream API, for serving concurrent requests on a multi-core CPU.
 *
 * onnxruntime-node runs each graph on the calling thread, and the AR's graph calls are too small for intra-op
 * threads to help (a decoding step takes the same time on 1 or 2 threads), so one worker keeps one core busy however
 * many requests it batches. A pool of W workers, each with its own copy of the model (about 80 MB more resident
 * memory per worker), decodes on W cores; inside each worker, concurrent requests still share AR steps
 * (ar-batcher.ts). Requests go to the worker with the fewest in flight, so 4 requests on 2 workers become two
 * batches of 2. Every worker loads the same model and a seed gives the same audio whichever worker runs it.
 */
import { availableParallelism } from 'node:os';
import { ParlaError } from '../errors.js';
import type { AudioChunk, SynthesisOptions, SynthesisResult } from './types.js';
import { WorkerSynthesizer } from './worker-synthesizer.js';

export interface PoolOptions {
  /** Worker threads, each with its own model (default: 2, or 1 on a single core). */
  workers?: number;
  /** onnxruntime intra-op threads per worker (default: the cores divided among the workers, at least 1). */
  threads?: number;
}

/** The default worker count: one per core, at most 2 (more copies of the model buy nothing on a 2-core CPU). */
export const defaultPoolWorkers = (): number => Math.min(2, availableParallelism());

export class SynthesizerPool {
  /** Requests in flight per worker (read by tests and metrics). */
  readonly inFlight: number[];
  private closed = false;

  private constructor(private readonly workers: WorkerSynthesizer[]) {
    this.inFlight = workers.map(() => 0);
  }

  /** Starts the workers and loads the model in each (ParlaError model_missing / model_invalid as loadModel). */
  static async start(modelDir: string, options: PoolOptions = {}): Promise<SynthesizerPool> {
    const workers = options.workers ?? defaultPoolWorkers();
    if (!Number.isInteger(workers) || workers < 1 || workers > 64) {
      throw new ParlaError('invalid_input', `workers must be an integer in 1..64, got ${workers}`, { param: 'workers' });
    }
    const threads = options.threads ?? Math.max(1, Math.floor(availableParallelism() / workers));
    const started = await Promise.allSettled(Array.from({ length: workers }, () => WorkerSynthesizer.start(modelDir, { threads })));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      // Stop the workers that did start, so that no thread keeps the process alive.
      await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.close() : undefined)));
      throw failed.reason;
    }
    return new SynthesizerPool(started.map((s) => (s as PromiseFulfilledResult<WorkerSynthesizer>).value));
  }

  get size(): number {
    return this.workers.length;
  }

  async generate(text: string, options: SynthesisOptions): Promise<SynthesisResult> {
    const i = this.acquire();
    try {
      return await this.workers[i].generate(text, options);
    } finally {
      this.inFlight[i]--;
    }
  }

  async *stream(text: string, options: SynthesisOptions): AsyncGenerator<AudioChunk> {
    const i = this.acquire();
    try {
      yield* this.workers[i].stream(text, options);
    } finally {
      this.inFlight[i]--;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.close()));
  }

  /** The least-busy worker (the first of equals), counted as busy from now. */
  private acquire(): number {
    if (this.closed) throw new ParlaError('unavailable', 'the synthesis pool has been closed');
    let best = 0;
    for (let i = 1; i < this.inFlight.length; i++) if (this.inFlight[i] < this.inFlight[best]) best = i;
    this.inFlight[best]++;
    return best;
  }
}
