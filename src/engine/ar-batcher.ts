/**
 * Batched AR decoding of concurrent requests: jobs submitted within a few ms of each other are prefilled as
 * one ragged batch and stepped together (one graph call per step for all of them), each row with its own sampler
 * and seed, so each row's codes equal those of the job decoded alone (plain decoding; same logits up to float
 * rounding). Speculative jobs are not batched (see submit). Jobs arriving later start their own batch, which interleaves with the running one.
 *
 * Not continuous batching: a running batch takes no new rows (that needs an lm/ op to merge KV caches of different
 * lengths) and finished rows keep being fed a dummy group until the batch's longest row ends.
 */
import { ParlaError } from '../errors.js';
import { ArSession } from '../lm/ar-session.js';
import { CodeSampler } from '../lm/sampling/index.js';
import { endOfSpeechFloor, FramePhonemes, generateCodebook0, pointerFor, type ArJob, type ArResult } from './ar-decode.js';
import type { PhonemePointer } from './phoneme-pointer.js';
import { eosLayout, maskEndOfSpeech } from './min-length.js';
import type { LoadedModel } from './model.js';

interface Pending {
  job: ArJob;
  resolve: (r: ArResult) => void;
  reject: (e: unknown) => void;
}

interface Row extends Pending {
  sampler: CodeSampler;
  pointer: PhonemePointer | null;
  out: number[];
  phonemes: FramePhonemes | null;
  done: boolean;
}

export class ArBatcher {
  private queue: Pending[] = [];
  /** Batches decoded so far and the rows they held (for tests and benchmarks). */
  readonly batchSizes: number[] = [];
  /** Synthesis requests in progress (any stage), kept by the Synthesizer: a lone request need not wait for company. */
  activeRequests = 0;
  private gatherTimer: ReturnType<typeof setTimeout> | null = null;

  /**
   * @param maxBatch rows per batch
   * @param gatherMs how long the first queued job waits for others to join its batch while other requests are in
   *   progress (requests that arrive together reach the AR a few ms apart, after their own text analysis)
   */
  constructor(private readonly model: LoadedModel, readonly maxBatch = 8, readonly gatherMs = 10) {}

  /**
   * Decodes one job. Plain-decoding jobs are batched with those submitted within `gatherMs`; speculative
   * jobs run alone, because a seed must give the same audio whether or not other requests were running.
   */
  submit(job: ArJob): Promise<ArResult> {
    if (job.speculative && this.model.draft) return generateCodebook0(this.model, job);
    return new Promise<ArResult>((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      if (this.queue.length >= Math.min(this.activeRequests, this.maxBatch)) {
        // Every request in progress is waiting here: nobody else can join, start at once (the gather wait, per
        // text chunk, was 5% of a batch of two 10-second requests).
        this.cancelGather();
        setImmediate(() => this.startBatches());
      } else if (this.queue.length === 1) {
        this.gatherTimer = setTimeout(() => {
          this.gatherTimer = null;
          this.startBatches();
        }, this.gatherMs);
      }
    });
  }

  private cancelGather(): void {
    if (this.gatherTimer) clearTimeout(this.gatherTimer);
    this.gatherTimer = null;
  }

  private startBatches(): void {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.batchSizes.push(batch.length);
      if (batch.length === 1) {
        generateCodebook0(this.model, batch[0].job).then(batch[0].resolve, batch[0].reject);
      } else {
        this.decodeBatch(batch).catch((err) => batch.forEach((p) => p.reject(err)));
      }
    }
  }

  private async decodeBatch(batch: Pending[]): Promise<void> {
    const { groupSize: g, audioEos } = this.model;
    const layout = eosLayout(this.model);
    const rows: Row[] = batch.map((p) => {
      const sampler = new CodeSampler(p.job.params, { seed: p.job.seed });
      const pointer = pointerFor(this.model, p.job, sampler);
      return { ...p, sampler, pointer, out: [], phonemes: pointer ? new FramePhonemes() : null, done: false };
    });
    const session = ArSession.start(this.model.ar, rows.length);
    let logits = await session.prefill(rows.map((r) => ({ ...r.job.prompt, pointer: r.pointer?.feed })));
    let position = logits.positions - 1;
    let arSteps = 1;
    const result = (r: Row, endOfSpeech: boolean): ArResult => ({ codes: Int32Array.from(r.out), arSteps, proposed: 0, accepted: 0, endOfSpeech, ...r.phonemes?.result() });
    const finish = (r: Row, endOfSpeech: boolean): void => {
      r.done = true;
      r.resolve(result(r, endOfSpeech));
    };
    const groups: number[][] = rows.map(() => new Array<number>(g).fill(0));
    while (rows.some((r) => !r.done)) {
      const holds: Promise<void>[] = [];
      rows.forEach((r, b) => {
        if (r.done) return;
        if (r.job.signal?.aborted) {
          r.done = true;
          r.reject(new ParlaError('cancelled', 'synthesis was cancelled', { param: 'signal' }));
          return;
        }
        const block = logits.data.subarray(((b * logits.positions + position) * g) * logits.vocabSize, ((b * logits.positions + position + 1) * g) * logits.vocabSize);
        // Each row masks end of speech by its own group index (min-length.ts), as it would decoded alone.
        maskEndOfSpeech(block, r.out.length / g, endOfSpeechFloor(r.pointer, r.job.minGroups ?? 0), layout);
        const group = Array.from(r.sampler.sampleGroup(block, g));
        const eos = group.indexOf(audioEos);
        const kept = eos >= 0 ? group.slice(0, eos) : group;
        r.out.push(...kept);
        r.phonemes?.add(r.pointer!.token, r.pointer!.position, kept.length);
        if (eos >= 0) return finish(r, true);
        if (r.pointer) {
          r.pointer.advance(logits.advanceAt(b, position)!);
          if (r.pointer.tailExceeded) return finish(r, true);
        }
        if (r.out.length / g >= r.job.maxGroups) return finish(r, false);
        const hold = r.job.onGroup?.({ frames: r.out.length, position: r.pointer?.position ?? -1, partial: () => result(r, false) });
        if (hold) holds.push(hold);
        groups[b] = group;
      });
      if (rows.every((r) => r.done)) break;
      if (holds.length > 0) await Promise.all(holds);
      // Finished rows are fed their last group again: wasted work, but the batch keeps one shape.
      const pointers = this.model.ar.dims.pointerClasses ? rows.map((r) => r.pointer!.feed) : undefined;
      logits = await session.step(groups, pointers);
      position = 0;
      arSteps++;
    }
  }
}
