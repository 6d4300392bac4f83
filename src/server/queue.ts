/** Bounded work queue: `concurrency` jobs run, at most `maxQueue` wait, the rest are refused at once (429). */
import PQueue from 'p-queue';
import { ParlaError } from '../errors.js';

export class BoundedQueue {
  private readonly queue: PQueue;
  private closed = false;

  constructor(readonly concurrency: number, readonly maxQueue: number) {
    this.queue = new PQueue({ concurrency });
  }

  /** Jobs waiting for a slot. */
  get waiting(): number {
    return this.queue.size;
  }

  /** Jobs running now. */
  get running(): number {
    return this.queue.pending;
  }

  /**
   * Run `job` when a slot is free.
   * @throws ParlaError('busy') when `maxQueue` jobs already wait; ('unavailable') after close();
   *   ('cancelled') when `signal` aborts while waiting (the job never starts)
   */
  async run<T>(job: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.closed) throw new ParlaError('unavailable', 'the server is shutting down; retry on another instance or later');
    if (this.queue.pending >= this.concurrency && this.queue.size >= this.maxQueue) {
      throw new ParlaError('busy', `server busy: ${this.queue.pending} syntheses running and ${this.queue.size} waiting (limit ${this.maxQueue}); retry later`);
    }
    try {
      return await this.queue.add(job, { signal });
    } catch (err) {
      if (signal?.aborted && !(err instanceof ParlaError)) throw new ParlaError('cancelled', 'request cancelled while waiting in the queue');
      throw err;
    }
  }

  /** Refuse new jobs; resolves when the running and waiting ones are done. */
  async close(): Promise<void> {
    this.closed = true;
    await this.queue.onIdle();
  }
}
