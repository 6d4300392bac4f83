/** A decoding session over an AR (or drafter) model: owns the KV cache of a batch of rows. */
import { ParlaError } from '../errors.js';
import type { ArModel } from './ar-model.js';
import { KvCache } from './kv-cache.js';
import { GroupLogits } from './logits.js';

/** One row's prompt: [text ids ; codebook-0 groups of the prompt audio] (docs/model-format.md, "AR token layout"). */
export interface ArPrompt {
  /** BOS, phonemes (prompt transcript, SEP, target text), EOS. */
  text: ArrayLike<number>;
  /** Prompt groups of G codes each (may be empty). */
  groups: ArrayLike<ArrayLike<number>>;
  /**
   * Pointer models: what the last prompt group is fed (the token the first generated group says). The other
   * prompt groups get 0 (unknown), as in training.
   */
  pointer?: PointerFeed;
}

/** What a pointer model is fed with an audio group (docs/model-format.md, "Phoneme pointer"). */
export interface PointerFeed {
  /** The text id the position's output group says. */
  token: number;
  /** Models with a pointer context: previous phoneme, next phoneme, groups already spent on the token + 1. */
  context?: readonly [number, number, number];
}

/** A position to feed: a text id, or a group of G audio codes (with a pointer model, and what it points at). */
type Token = { text: number } | { audio: ArrayLike<number>; pointer?: PointerFeed };

/**
 * The cache holds `length` positions per row. Ragged prompts are left-padded: row b's first `padding[b]`
 * cache positions are masked out and its RoPE positions start after them, so every row's logits equal
 * those of the row decoded alone. The cache grows in place (kv-cache.ts): `truncate()` is free, `clone()` copies.
 */
export class ArSession {
  private constructor(
    readonly model: ArModel,
    readonly batch: number,
    private cache: KvCache,
    /** [B, length], 1 = real key. */
    private mask: Uint8Array,
    private readonly padding: number[],
  ) {}

  /** An empty session of `batch` rows. */
  static start(model: ArModel, batch = 1): ArSession {
    if (!Number.isInteger(batch) || batch < 1) throw new ParlaError('invalid_input', `batch must be a positive integer, got ${batch}`, { param: 'batch' });
    return new ArSession(model, batch, model.emptyCache(batch), new Uint8Array(0), new Array<number>(batch).fill(0));
  }

  /** Cache length P (positions per row, left padding included). */
  get length(): number {
    return this.cache.length;
  }

  /** Real positions held for row b. */
  rowLength(b: number): number {
    return this.length - this.padding[b];
  }

  /** Feeds each row's whole prompt in one call; returns logits [B, S, G, V] (row b's first S - n_b positions are padding). */
  async prefill(rows: ArPrompt[]): Promise<GroupLogits> {
    if (this.length !== 0) throw new ParlaError('invalid_input', `prefill needs an empty session; this one holds ${this.length} positions (truncate(0) first)`, { param: 'prefill' });
    this.checkRows(rows.length, 'prompts');
    if (rows.length > 1) {
      // Row b feeds the same tokens as row first[b] (best-of-N candidates of one chunk; guided rows' unconditional twins).
      const first = rows.map((r) => rows.findIndex((o) => samePrompt(o, r)));
      const unique = [...new Set(first)];
      if (unique.length < rows.length) return this.prefillShared(unique.map((i) => rows[i]), first.map((i) => unique.indexOf(i)));
    }
    const tokens = rows.map((r): Token[] => {
      const last = r.groups.length - 1;
      return [...Array.from(r.text, (id) => ({ text: id })), ...Array.from(r.groups, (g, i) => ({ audio: g, pointer: i === last ? r.pointer : undefined }))];
    });
    const s = Math.max(...tokens.map((t) => t.length));
    if (s === 0) throw new ParlaError('invalid_input', 'every prompt is empty', { param: 'prompts' });
    const logits = await this.feed(tokens.map((t) => [...new Array<Token | null>(s - t.length).fill(null), ...t]));
    tokens.forEach((t, b) => (this.padding[b] = s - t.length));
    return logits;
  }

  /**
   * Rows with the same prompt (best-of-N candidates of one chunk, and with guidance their unconditional twins): each
   * distinct prompt is prefilled once and its cache copied to the rows that feed it (`of[b]`: row b's distinct
   * prompt). Why: the prefill is the AR's largest call (the voice prompt and the text, ~300 positions), and B copies
   * of it cost B times one on a CPU. Row b's logits and cache equal those of the row prefilled alone.
   */
  private async prefillShared(distinct: ArPrompt[], of: number[]): Promise<GroupLogits> {
    const one = ArSession.start(this.model, distinct.length);
    const logits = await one.prefill(distinct);
    const s = one.length;
    this.cache = one.cache.rows(of);
    this.mask = gatherRows(one.mask, s, of);
    of.forEach((j, b) => (this.padding[b] = one.padding[j]));
    const block = s * logits.groupSize * logits.vocabSize;
    const advance = logits.advance ? gatherRows(logits.advance, logits.advance.length / distinct.length, of) : undefined;
    return new GroupLogits(gatherRows(logits.data, block, of), this.batch, s, logits.groupSize, logits.vocabSize, advance);
  }

  /**
   * One new group per row -> logits [B, 1, G, V] for the group after it. Pointer models: `pointers[b]` is what
   * row b's next group says (the pointer after its advance).
   */
  async step(groups: ArrayLike<number>[], pointers?: readonly PointerFeed[]): Promise<GroupLogits> {
    this.checkRows(groups.length, 'groups');
    if (pointers) this.checkRows(pointers.length, 'pointers');
    return this.feed(groups.map((g, b) => [{ audio: g, pointer: pointers?.[b] }]));
  }

  /** k drafted groups per row in one call -> logits [B, k, G, V]; position i scores the group after draft i. */
  async verify(drafts: ArrayLike<number>[][]): Promise<GroupLogits> {
    this.checkRows(drafts.length, 'drafts');
    const k = drafts[0].length;
    if (k === 0 || drafts.some((d) => d.length !== k)) {
      throw new ParlaError('invalid_input', `every row must draft the same number (>= 1) of groups, got [${drafts.map((d) => d.length).join(', ')}]`, { param: 'drafts' });
    }
    return this.feed(drafts.map((d) => d.map((g) => ({ audio: g }))));
  }

  /** Keeps the first p cache positions (rolls back rejected speculative groups). */
  truncate(p: number): void {
    if (!Number.isInteger(p) || p < 0 || p > this.length) {
      throw new ParlaError('invalid_input', `truncate length must be an integer in 0..${this.length}, got ${p}`, { param: 'length' });
    }
    if (p === this.length) return;
    const old = this.length;
    this.cache.truncate(p);
    const mask = new Uint8Array(this.batch * p);
    for (let b = 0; b < this.batch; b++) {
      mask.set(this.mask.subarray(b * old, b * old + p), b * p);
      this.padding[b] = Math.min(this.padding[b], p);
    }
    this.mask = mask;
  }

  /**
   * One session decoding the rows of `sessions` together, in order, each row's logits as decoded alone: every cache
   * is left-padded to the longest and its padding masked (continuous batching: rows prefilled while a batch runs
   * join it between steps). The sessions are not changed.
   */
  static merge(sessions: readonly ArSession[]): ArSession {
    const model = sessions[0].model;
    if (sessions.some((s) => s.model !== model)) throw new ParlaError('internal', 'sessions of different models cannot be merged');
    const length = Math.max(...sessions.map((s) => s.length));
    const batch = sessions.reduce((n, s) => n + s.batch, 0);
    const mask = new Uint8Array(batch * length);
    const padding: number[] = [];
    for (const s of sessions) {
      const offset = length - s.length;
      for (let b = 0; b < s.batch; b++) {
        mask.set(s.mask.subarray(b * s.length, (b + 1) * s.length), padding.length * length + offset);
        padding.push(s.padding[b] + offset);
      }
    }
    return new ArSession(model, batch, KvCache.stack(sessions.map((s) => s.cache), length), mask, padding);
  }

  /**
   * A session of the given rows only (in that order), each continuing as before: finished rows leave a running batch
   * instead of being fed to the end. Positions that are padding for every row kept are dropped.
   */
  keepRows(keep: readonly number[]): ArSession {
    if (keep.length === 0 || keep.some((b) => !Number.isInteger(b) || b < 0 || b >= this.batch)) {
      throw new ParlaError('internal', `rows to keep must be some of 0..${this.batch - 1}, got [${keep.join(', ')}]`);
    }
    const from = Math.min(...keep.map((b) => this.padding[b]));
    const length = this.length - from;
    const mask = new Uint8Array(keep.length * length);
    keep.forEach((b, j) => mask.set(this.mask.subarray(b * this.length + from, (b + 1) * this.length), j * length));
    return new ArSession(this.model, keep.length, this.cache.rows(keep, from), mask, keep.map((b) => this.padding[b] - from));
  }

  /** An independent session continuing from a copy of the same cache. */
  clone(): ArSession {
    return new ArSession(this.model, this.batch, this.cache.clone(), this.mask, [...this.padding]);
  }

  private checkRows(n: number, param: string): void {
    if (n !== this.batch) throw new ParlaError('invalid_input', `${param}: got ${n} rows for a session of batch ${this.batch}`, { param });
  }

  /** Runs S positions per row (null = left padding) and appends them to the cache. */
  private async feed(rows: (Token | null)[][]): Promise<GroupLogits> {
    const { groupSize: g, vocabSize, textVocabSize, pointerContext: maxSpent = 0 } = this.model.dims;
    const b = this.batch;
    const s = rows[0].length;
    const p = this.length;
    const textIds = new BigInt64Array(b * s);
    const audioCodes = new BigInt64Array(b * s * g);
    const isAudio = new Uint8Array(b * s);
    const positions = new BigInt64Array(b * s);
    const context = maxSpent ? new BigInt64Array(b * s * 3) : undefined;
    const mask = new Uint8Array(b * (p + s));
    for (let r = 0; r < b; r++) {
      mask.set(this.mask.subarray(r * p, (r + 1) * p), r * (p + s));
      // Padding takes cache slots but no RoPE positions.
      let pos = p - this.padding[r];
      rows[r].forEach((tok, i) => {
        const at = r * s + i;
        if (tok === null) return;
        mask[r * (p + s) + p + i] = 1;
        positions[at] = BigInt(pos++);
        if ('text' in tok) {
          textIds[at] = BigInt(checkId(tok.text, textVocabSize, 'text id'));
        } else {
          if (tok.audio.length !== g) throw new ParlaError('invalid_input', `an audio group must hold ${g} codes, got ${tok.audio.length}`, { param: 'group' });
          isAudio[at] = 1;
          if (tok.pointer !== undefined) textIds[at] = BigInt(checkId(tok.pointer.token, textVocabSize, 'pointer id'));
          if (context && tok.pointer?.context) {
            const [prev, next, spent] = tok.pointer.context;
            context[at * 3] = BigInt(checkId(prev, textVocabSize, 'pointer context id'));
            context[at * 3 + 1] = BigInt(checkId(next, textVocabSize, 'pointer context id'));
            context[at * 3 + 2] = BigInt(checkId(spent, maxSpent + 1, 'pointer groups spent'));
          }
          for (let j = 0; j < g; j++) audioCodes[at * g + j] = BigInt(checkId(tok.audio[j], vocabSize, 'audio code'));
        }
      });
    }
    const out = await this.model.run({ textIds, audioCodes, isAudio, positions, attentionMask: mask, pointerContext: context, past: this.cache, batch: b, positionsCount: s });
    this.cache.append(out.newKeys, out.newValues, s);
    this.mask = mask;
    return new GroupLogits(out.logits, b, s, g, vocabSize, out.advance);
  }
}

/** Whether two prompts feed the same tokens (text, prompt groups and the pointer feed). */
function samePrompt(a: ArPrompt, b: ArPrompt): boolean {
  if (a === b) return true;
  const sameList = (x: ArrayLike<number>, y: ArrayLike<number>): boolean => x.length === y.length && Array.prototype.every.call(x, (v: number, i: number) => v === y[i]);
  if (!sameList(a.text, b.text) || a.groups.length !== b.groups.length) return false;
  for (let i = 0; i < a.groups.length; i++) if (!sameList(a.groups[i], b.groups[i])) return false;
  const ctx = (p?: PointerFeed): number[] => (p ? [p.token, ...(p.context ?? [-1, -1, -1])] : []);
  return sameList(ctx(a.pointer), ctx(b.pointer));
}

/** Rows `of[0]`, `of[1]`, ... of a row-major array of `size`-long rows, one after another (repeats allowed). */
function gatherRows<T extends Float32Array | Uint8Array>(from: T, size: number, of: readonly number[]): T {
  const out = new (from.constructor as new (length: number) => T)(size * of.length);
  of.forEach((j, b) => out.set(from.subarray(j * size, (j + 1) * size), b * size));
  return out;
}

function checkId(id: number, size: number, what: string): number {
  if (!Number.isInteger(id) || id < 0 || id >= size) throw new ParlaError('invalid_input', `${what} ${id} outside 0..${size - 1}`, { param: what.replace(' ', '_') });
  return id;
}
