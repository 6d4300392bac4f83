/**
 * Exact speculative decoding of codebook 0: the drafter proposes k groups from its own KV cache, the AR scores
 * them in ONE verify call, and CodeSampler.verifyDraft accepts codes against the exact sampler distribution
 * (RAS included), so the output distribution is that of plain decoding, and greedy output is identical.
 *
 * Bookkeeping: each round ends with one emitted group not yet fed to either model ("pending"). The next verify
 * call feeds [pending ; drafts], so its first position scores draft 1 and its last the bonus group: no extra
 * AR call per round. Rejected drafts are rolled back with `truncate` in both caches.
 */
import { ArSession } from '../lm/ar-session.js';
import type { ArModel } from '../lm/ar-model.js';
import { CodeSampler, DraftLengthController, sampleFromDistribution, targetDistribution } from '../lm/sampling/index.js';
import { lastPosition, throwIfAborted, type ArJob, type ArResult } from './ar-decode.js';
import { eosLayout, maskEndOfSpeech } from './min-length.js';
import type { LoadedModel } from './model.js';

export async function decodeSpeculative(model: LoadedModel, draftModel: ArModel, job: ArJob): Promise<ArResult> {
  const { groupSize: g, audioEos } = model;
  const v = model.ar.dims.vocabSize;
  // The end-of-speech floor masks the drafter's logits as well as the AR's, position by position (min-length.ts).
  const layout = eosLayout(model);
  const minGroups = job.minGroups ?? 0;
  const sampler = new CodeSampler(job.params, { seed: job.seed });
  // The drafter draws from its own stream: sharing the verifier's would correlate drafts with acceptance tests.
  const draftRng = sampler.rng.fork();
  const lengths = new DraftLengthController({ minK: 1, maxK: 8, initialK: 4 });
  const ar = ArSession.start(model.ar);
  const dr = ArSession.start(draftModel);
  let arNext: Float32Array | null = lastPosition(await ar.prefill([job.prompt]));
  let drNext = lastPosition(await dr.prefill([job.prompt]));
  let arPending: number[][] = [];
  let drPending: number[][] = [];
  const stats = { arSteps: 1, proposed: 0, accepted: 0 };
  const out: number[] = [];
  const done = (endOfSpeech: boolean): ArResult => ({ codes: Int32Array.from(out), ...stats, endOfSpeech });

  while (out.length / g < job.maxGroups) {
    throwIfAborted(job.signal);
    const base = out.length / g; // groups emitted so far: the group index of the next position
    const remaining = job.maxGroups - base;
    const k = Math.min(lengths.draftLength, remaining - 1);
    if (k < 1) {
      // Room for one group only: a plain step.
      if (arPending.length > 0) {
        arNext = lastPosition(await ar.verify([arPending]));
        stats.arSteps++;
      }
      const group = Array.from(sampler.sampleGroup(maskEndOfSpeech(arNext!, base, minGroups, layout), g));
      const eos = group.indexOf(audioEos);
      out.push(...(eos >= 0 ? group.slice(0, eos) : group));
      return done(eos >= 0);
    }

    // Draft k groups (fewer if the drafter ends speech), code by code from the drafter's own target distribution.
    if (drPending.length > 0) drNext = lastPosition(await dr.verify([drPending]));
    const drBase = dr.length;
    const history = sampler.history();
    const drafts: number[][] = [];
    const draftTokens: number[] = [];
    const draftProbs: Float32Array[] = [];
    for (let i = 0; i < k; i++) {
      if (i > 0) drNext = lastPosition(await dr.step([drafts[i - 1]]));
      maskEndOfSpeech(drNext, base + i, minGroups, layout);
      const group: number[] = [];
      for (let j = 0; j < g; j++) {
        const q = targetDistribution(drNext.subarray(j * v, (j + 1) * v), history, job.params);
        const x = sampleFromDistribution(q, draftRng);
        group.push(x);
        history.push(x);
        draftTokens.push(x);
        draftProbs.push(q);
      }
      drafts.push(group);
      if (group.includes(audioEos)) break;
    }

    // One AR call scores every draft and the bonus group.
    const arBase = ar.length;
    const fed = arPending.length;
    const scores = await ar.verify([[...arPending, ...drafts]]);
    stats.arSteps++;
    const block = g * v;
    const positionLogits = (i: number): Float32Array => (i === 0 && fed === 0 ? arNext! : scores.data.subarray((fed + i - 1) * block, (fed + i) * block));
    const targetLogitsPerPosition: Float32Array[] = [];
    for (let i = 0; i <= drafts.length; i++) {
      const logits = maskEndOfSpeech(positionLogits(i), base + i, minGroups, layout);
      for (let j = 0; j < g; j++) targetLogitsPerPosition.push(logits.subarray(j * v, (j + 1) * v));
    }
    const result = sampler.verifyDraft({ draftTokens, draftProbs, targetLogitsPerPosition, groupSize: g });
    const acceptedGroups = Math.floor(result.accepted / g);
    lengths.observe(drafts.length, acceptedGroups);
    stats.proposed += draftTokens.length;
    stats.accepted += result.accepted;

    // Keep the accepted drafts in both caches; the last emitted group becomes pending.
    const last = result.tokens.slice(-g);
    ar.truncate(arBase + fed + acceptedGroups);
    arPending = [last];
    arNext = null;
    const keep = Math.min(acceptedGroups, drafts.length - 1);
    dr.truncate(drBase + keep);
    drPending = [...drafts.slice(keep, acceptedGroups), last];

    const eos = result.tokens.indexOf(audioEos);
    if (eos >= 0) {
      out.push(...result.tokens.slice(0, eos));
      return done(true);
    }
    out.push(...result.tokens);
  }
  return done(false);
}
