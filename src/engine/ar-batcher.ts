/**
 * Batched AR decoding of concurrent requests (continuous batching): jobs submitted within a few ms of each other are
 * prefilled as one ragged batch and stepped together (one graph call per step for all of them), each row with its own
 * sampler and seed, so each row's codes equal those of the job decoded alone (plain decoding; same logits up to float
 * rounding). Jobs submitted while a batch runs are prefilled on their own and join it before its next step (their
 * caches left-padded to the batch's, ArSession.merge), and rows that finish leave it (ArSession.keepRows), so one
 * batch serves requests as they come and go. Speculative jobs are not batched (see submit).
 */
import { ParlaError } from '../errors.js';
import { ArSession } from '../lm/ar-session.js';
import { CodeSampler } from '../lm/sampling/index.js';
import { endOfSpeechFloor, FramePhonemes, generateCodebook0, pointerFor, type ArJob, type ArResult } from './ar-decode.js';
import type { GroupLogits } from '../lm/logits.js';
import type { PointerFeed } from '../lm/ar-session.js';
import { guideLogits, rowsPerJob, UNGUIDED_FEED } from './guidance.js';
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
  /** AR calls this row took part in (its prefill, then every step). */
  steps: number;
  /** The logits of its next group [G * V] (a view of the last call's output, or guided ones), and the pointer's advance logits. */
  next: Float32Array;
  advance?: Float32Array;
  /** Guided rows (guidance.ts) take two session rows, conditional then unconditional, and guide into this buffer. */
  guided: Float32Array | null;
}

export class ArBatcher {
  private queue: Pending[] = [];
  /** Rows admitted together, one entry per prefill: a batch's first rows, then any that joined it (tests and benchmarks). */
  readonly batchSizes: number[] = [];
  /** The running batches' rows (each at most maxBatch). */
  private readonly running = new Set<{ rows: Row[] }>();
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

  /** Starts a batch for the queued jobs that the running batches have no room for (they take the others before their next step). */
  private startBatches(): void {
    const room = [...this.running].reduce((n, b) => n + this.maxBatch - b.rows.length, 0);
    if (this.queue.length <= room) return;
    const batch = { rows: [] as Row[] };
    this.running.add(batch);
    this.decodeBatch(batch)
      .catch((err: unknown) => batch.rows.splice(0).forEach((r) => r.done || r.reject(err)))
      .finally(() => {
        this.running.delete(batch);
        // Jobs that came after its last row left (or were refused with it) start the next batch.
        this.startBatches();
      });
  }

  /** Queued jobs (up to the batch's free rows) prefilled together, as rows ready to sample their first group. */
  private async admit(batch: { rows: Row[] }): Promise<{ rows: Row[]; session: ArSession } | null> {
    const jobs = this.queue.splice(0, this.maxBatch - batch.rows.length);
    if (jobs.length === 0) return null;
    this.batchSizes.push(jobs.length);
    const rows: Row[] = jobs.map((p) => {
      const sampler = new CodeSampler(p.job.params, { seed: p.job.seed });
      const pointer = pointerFor(this.model, p.job, sampler);
      const guided = pointer && p.job.params.guidance > 0 ? new Float32Array(this.model.groupSize * this.model.ar.dims.vocabSize) : null;
      return { ...p, sampler, pointer, out: [], phonemes: pointer ? new FramePhonemes() : null, done: false, steps: 1, next: new Float32Array(0), guided };
    });
    const session = ArSession.start(this.model.ar, sessionRows(rows).length);
    try {
      const prompts = rows.flatMap((r) => {
        const prompt = { ...r.job.prompt, pointer: r.pointer?.feed };
        return r.guided ? [prompt, { ...r.job.prompt, pointer: UNGUIDED_FEED }] : [prompt];
      });
      const logits = await session.prefill(prompts);
      this.setAllNext(rows, logits, logits.positions - 1);
    } catch (err) {
      rows.forEach((r) => r.reject(err));
      return null;
    }
    return { rows, session };
  }

  /** Each row's next logits from a call over `rows`' session rows (sessionRows), at `position`. */
  private setAllNext(rows: Row[], logits: GroupLogits, position: number): void {
    const block = this.model.groupSize * logits.vocabSize;
    const at = (b: number): Float32Array => logits.data.subarray((b * logits.positions + position) * block, (b * logits.positions + position + 1) * block);
    let b = 0;
    for (const r of rows) {
      r.next = r.guided ? guideLogits(at(b), at(b + 1), r.job.params.guidance, r.guided) : at(b);
      r.advance = logits.advanceAt(b, position);
      b += rowsPerJob(r.guided !== null);
    }
  }

  private async decodeBatch(batch: { rows: Row[] }): Promise<void> {
    const { groupSize: g, audioEos } = this.model;
    const layout = eosLayout(this.model);
    let session: ArSession | null = null;
    const result = (r: Row, endOfSpeech: boolean): ArResult => ({ codes: Int32Array.from(r.out), arSteps: r.steps, proposed: 0, accepted: 0, endOfSpeech, ...r.phonemes?.result() });
    const finish = (r: Row, endOfSpeech: boolean): void => {
      r.done = true;
      r.resolve(result(r, endOfSpeech));
    };
    for (;;) {
      const joined = await this.admit(batch);
      if (joined) {
        // Merged sessions keep their rows in order: the batch's, then the joined ones (sessionRows stays aligned).
        session = session ? ArSession.merge([session, joined.session]) : joined.session;
        batch.rows.push(...joined.rows);
      }
      if (batch.rows.length === 0) return;
      const holds: Promise<void>[] = [];
      const groups: number[][] = [];
      const feeds: PointerFeed[] = [];
      for (const r of batch.rows) {
        if (r.job.signal?.aborted) {
          r.done = true;
          r.reject(new ParlaError('cancelled', 'synthesis was cancelled', { param: 'signal' }));
          continue;
        }
        // Each row masks end of speech by its own group index (min-length.ts), as it would decoded alone.
        maskEndOfSpeech(r.next, r.out.length / g, endOfSpeechFloor(r.pointer, r.job.minGroups ?? 0), layout);
        const group = Array.from(r.sampler.sampleGroup(r.next, g));
        const eos = group.indexOf(audioEos);
        const kept = eos >= 0 ? group.slice(0, eos) : group;
        r.out.push(...kept);
        r.phonemes?.add(r.pointer!.token, r.pointer!.position, kept.length);
        if (eos >= 0) {
          finish(r, true);
          continue;
        }
        if (r.pointer) {
          r.pointer.advance(r.advance!);
          if (r.pointer.tailExceeded) {
            finish(r, true);
            continue;
          }
        }
        if (r.out.length / g >= r.job.maxGroups) {
          finish(r, false);
          continue;
        }
        const hold = r.job.onGroup?.({ frames: r.out.length, position: r.pointer?.position ?? -1, partial: () => result(r, false) });
        if (hold) holds.push(hold);
        groups.push(group);
        if (r.pointer) feeds.push(r.pointer.feed);
        if (r.guided) {
          groups.push(group);
          feeds.push(UNGUIDED_FEED);
        }
      }
      // Finished rows leave the batch: it keeps only the rows still speaking (both session rows of a guided one).
      if (batch.rows.some((r) => r.done)) {
        const slots = sessionRows(batch.rows);
        const live = slots.filter((s) => !batch.rows[s.row].done).map((s) => s.session);
        session = live.length > 0 ? session!.keepRows(live) : null;
        batch.rows = batch.rows.filter((r) => !r.done);
      }
      if (!session) continue; // every row finished: take the jobs that came meanwhile, if any
      if (holds.length > 0) await Promise.all(holds);
      const logits = await session.step(groups, this.model.ar.dims.pointerClasses ? feeds : undefined);
      for (const r of batch.rows) r.steps++;
      this.setAllNext(batch.rows, logits, 0);
    }
  }
}

/** The session rows of `rows` in order: one per row, two for a guided row (conditional, then unconditional). */
function sessionRows(rows: readonly Row[]): { row: number; session: number }[] {
  const out: { row: number; session: number }[] = [];
  rows.forEach((r, row) => {
    for (let k = 0; k < rowsPerJob(r.guided !== null); k++) out.push({ row, session: out.length });
  });
  return out;
}
