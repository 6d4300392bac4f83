/**
 * Text + voice -> speech. Per text chunk (a short first one, see first-chunk.ts; each phonemized just before it is
 * synthesized, see text-chunks.ts): AR codebook 0 (plain or speculative), NAR codebooks 1..Q-1, codec decode;
 * chunks joined by a short faded pause (none inside a phrase). `generate` decodes each chunk in one call, `stream`
 * decodes in pieces (streaming codec decode) and yields each as soon as it is ready; both cut the text the same way.
 *
 * Event loop: onnxruntime-node's `session.run` is a Promise, but it runs the graph synchronously on the JS thread
 * (its backend wraps the native call in setImmediate). Measured on the tiny fixture: a setInterval(1 ms) ticked
 * once during a 1.3 s batched prefill. So a request blocks the loop for one graph call at a time (one AR step,
 * one NAR stage, one codec piece) and yields between calls; concurrent requests interleave at that granularity.
 */
import { sliceFrames, type Codes } from '../codec/codes.js';
import type { StreamingDecoder } from '../codec/streaming.js';
import { ArBatcher } from './ar-batcher.js';
import { generateCodebook0, throwIfAborted, type ArJob, type ArResult } from './ar-decode.js';
import { bestOfCandidates, MAX_CANDIDATES, withWorkOf } from './candidates.js';
import { chooseHead, HeadWatch, type Head } from './early-head.js';
import { AUDIO_READER_MIN_SAMPLES } from '../lm/audio-reader.js';
import { needsRetry, spliceCandidates } from './splice.js';
import { edgePlan, shapeEdges } from './chunk-edges.js';
import { ChunkPieces } from './chunk-pieces.js';
import { joinPcm } from '../audio/concat.js';
import { minGroupsFor, noSpeech, type MinLength } from './min-length.js';
import { fillCodebooks, type LoadedModel } from './model.js';
import { chunkInputs, DEFAULT_LENGTH_LIMIT, type LengthLimit } from './prompt.js';
import { CHUNK_FADE_MS, CHUNK_PAUSE_MS, resolveLengthLimit, resolveMinLength, resolveSynthesisOptions, type ResolvedSynthesis } from './synth-options.js';
import { nothingToSay, phonemizeChunk, planChunks, type TextChunk } from './text-chunks.js';
import type { AudioChunk, SynthesisOptions, SynthesisResult, SynthesisStats } from './types.js';
import { warmUp } from './warm-up.js';

/**
 * Frames of a chunk's first streamed piece (0.5 s: it starts playback) and of the pieces after it (2 s: each piece is
 * decoded with the codec's reach of context on both sides, Codec.reach(), so longer pieces waste less).
 */
const STREAM_FIRST_PIECE_FRAMES = 25;
const STREAM_PIECE_FRAMES = 100;

interface ChunkCodes {
  index: number;
  /** Chunks planned; a chunk found to have nothing to pronounce is skipped, so the last one may come earlier. */
  count: number;
  chunk: TextChunk;
  /** [Q, T] */
  codes: Codes;
  /** The chunk's audio when it is already decoded whole (with the request's voice): an audio reader heard it. */
  audio?: Float32Array;
  /**
   * The chunk's first frames only, chosen early to start the stream (early-head.ts); the whole chunk follows with the
   * same index, its codes starting with these.
   */
  head?: boolean;
}

/** A candidate as an audio reader heard it: all its codebooks and their decode with the request's voice. */
interface HeardCandidate {
  codes: Codes;
  audio: Float32Array;
}

/** A chunk's codes, and its audio when it was decoded whole on the way. */
interface DecodedChunk {
  codes: Codes;
  audio?: Float32Array;
}

/** What a chunk needs to fill and decode codes of its own: splicing makes a new candidate out of the heard ones. */
interface ChunkDecoding {
  /** The AR text row (splice.ts locates words in it). */
  text: ArrayLike<number>;
  /** Fills codebook 0 (and its phonemes) into all codebooks. */
  fill: (codebook0: Int32Array, phonemes?: Int32Array) => Promise<Codes>;
  /** fill, then decodes them with the request's voice. */
  hear: (codebook0: Int32Array, phonemes?: Int32Array) => Promise<HeardCandidate>;
  spliceWords: number;
  /** splice.ts needsRetry: above this score a spliced chunk gets a second round of candidates (0 = never). */
  retryAbove: number;
  /**
   * stream()'s first chunk: gets the first word group's codes as soon as they are chosen (early-head.ts), when the
   * chunk is spliced from several candidates, not retried, and has more than one group.
   */
  onHead?: (head: Codes) => void;
}

/** Running totals for SynthesisStats. */
class StatsMeter {
  readonly start = performance.now();
  samples = 0;
  arSteps = 0;
  proposed = 0;
  accepted = 0;
  candidates = 0;
  chunks = 0;
  firstAudioMs: number | undefined;

  constructor(private readonly temperature: number) {}

  addAr(r: ArResult): void {
    this.arSteps += r.arSteps;
    this.proposed += r.proposed;
    this.accepted += r.accepted;
  }

  audio(samples: number): void {
    if (this.firstAudioMs === undefined && samples > 0) this.firstAudioMs = performance.now() - this.start;
    this.samples += samples;
  }

  result(sampleRate: number): SynthesisStats {
    const wallSeconds = (performance.now() - this.start) / 1000;
    const audioSeconds = this.samples / sampleRate;
    const stats: SynthesisStats = { audioSeconds, wallSeconds, rtf: audioSeconds > 0 ? wallSeconds / audioSeconds : Infinity, arSteps: this.arSteps, temperature: this.temperature, chunks: this.chunks };
    if (this.proposed > 0) stats.acceptanceRate = this.accepted / this.proposed;
    if (this.candidates > 0) stats.candidates = this.candidates;
    if (this.firstAudioMs !== undefined) stats.firstAudioMs = this.firstAudioMs;
    return stats;
  }
}

export interface SynthesizerOptions {
  /** Batch the AR steps of concurrent plain-decoding requests (default true; outputs are unchanged). */
  batching?: boolean;
  /**
   * Generation length limit per chunk (default 0.25 s per phoneme + 1 s: a runaway guard far above natural
   * speech). Benchmarks on random weights, which never end speech, set a natural rate to time trained-length chunks.
   */
  lengthLimit?: Partial<LengthLimit>;
  /**
   * Minimum generated length per chunk, below which end of speech cannot be drawn (default 0.025 s per phoneme,
   * well under natural speech, and at least one group: no empty chunk; see min-length.ts). Must stay below
   * lengthLimit.secondsPerPhoneme.
   */
  minLength?: Partial<MinLength>;
}

export class Synthesizer {
  private readonly batcher: ArBatcher | null;
  private readonly lengthLimit: Readonly<LengthLimit>;
  private readonly minLength: Readonly<MinLength>;

  constructor(readonly model: LoadedModel, options: SynthesizerOptions = {}) {
    this.batcher = options.batching === false ? null : new ArBatcher(model);
    this.lengthLimit = options.lengthLimit ? resolveLengthLimit(options.lengthLimit) : DEFAULT_LENGTH_LIMIT;
    this.minLength = resolveMinLength(options.minLength ?? {}, this.lengthLimit);
  }

  /**
   * Runs the phonemizer and every graph once on small inputs (see warm-up.ts), so that the first request does not
   * pay their first-use costs. Once per model; call it after loading, before serving.
   */
  warmUp(): Promise<void> {
    return warmUp(this.model);
  }

  /** Sizes of the AR batches decoded so far (1 = a request decoded alone). */
  get batchSizes(): readonly number[] {
    return this.batcher?.batchSizes ?? [];
  }

  async generate(text: string, options: SynthesisOptions): Promise<SynthesisResult> {
    const resolved = this.resolve(options, false);
    const { sampleRate } = this.model;
    const meter = new StatsMeter(resolved.params.temperature);
    const parts: Float32Array[] = [];
    for await (const c of this.chunkCodes(text, options, resolved, meter)) {
      const pcm = c.audio ?? (c.codes.frames > 0 ? await this.model.codec.decode(c.codes, { voice: resolved.voice.codes }) : new Float32Array(0));
      throwIfAborted(resolved.signal);
      parts.push(shapeEdges(pcm, 0, edgePlan(c.index, c.count, pcm.length, this.fadeSamples())), this.pauseAfter(c));
      meter.audio(pcm.length);
    }
    const audio = joinPcm(parts);
    meter.samples = audio.length;
    const stats = meter.result(sampleRate);
    options.onStats?.(stats);
    return { audio, sampleRate, stats };
  }

  /**
   * The codes each text chunk is decoded from, in order, as generate() makes them (same options, same choices),
   * without decoding them to audio: `ids` are the chunk's phoneme ids, `codes` [Q, T] (with a phoneme-pointer AR,
   * `codes.phonemes` says which phoneme each frame speaks). For training on the model's own output
   * (training/lm/self_generate.mjs) and for inspecting what the model wrote.
   */
  async *codes(text: string, options: SynthesisOptions): AsyncGenerator<{ text: string; ids: Int32Array; codes: Codes }> {
    const resolved = this.resolve(options, false);
    const meter = new StatsMeter(resolved.params.temperature);
    for await (const c of this.chunkCodes(text, options, resolved, meter)) yield { text: c.chunk.text, ids: c.chunk.ids, codes: c.codes };
  }

  async *stream(text: string, options: SynthesisOptions): AsyncGenerator<AudioChunk> {
    const resolved = this.resolve(options, true);
    const { sampleRate, hopLength } = this.model;
    const meter = new StatsMeter(resolved.params.temperature);
    const contextFrames = await this.model.codec.reach();
    const decoderFor = (): StreamingDecoder => this.model.codec.streamingDecoder({ firstChunkFrames: STREAM_FIRST_PIECE_FRAMES, chunkFrames: STREAM_PIECE_FRAMES, contextFrames, voice: resolved.voice.codes });
    const shaped = function* (audios: Iterable<Float32Array>, pieces: ChunkPieces): Generator<AudioChunk> {
      for (const audio of audios) {
        throwIfAborted(resolved.signal);
        yield pieces.next(audio);
      }
    };
    /** A chunk's frames from `from` on through `decoder` (which has the ones before), to its end. */
    const decodeRest = async function* (decoder: StreamingDecoder, codes: Codes, from: number, pieces: ChunkPieces): AsyncGenerator<AudioChunk> {
      for (let t = from; t < codes.frames; t += STREAM_PIECE_FRAMES) yield* shaped(await decoder.push(sliceFrames(codes, t, Math.min(t + STREAM_PIECE_FRAMES, codes.frames))), pieces);
      yield* shaped(await decoder.flush(), pieces);
    };
    /** A chunk whose head is playing: the rest of its frames go through the same decoder. */
    let open: { index: number; frames: number; decoder: StreamingDecoder; pieces: ChunkPieces } | null = null;
    for await (const c of this.chunkCodes(text, options, resolved, meter, true)) {
      const total = c.codes.frames * hopLength;
      if (c.head) {
        // The chunk's length is not known yet: no fade-out until it is (the decoder holds its last frames back anyway).
        open = { index: c.index, frames: c.codes.frames, decoder: decoderFor(), pieces: new ChunkPieces(c, this.pauseAfter(c), this.fadeSamples(), meter, sampleRate) };
        yield* shaped(await open.decoder.pushAll(c.codes), open.pieces);
        continue;
      }
      if (open?.index === c.index) {
        const { decoder, pieces, frames } = open;
        open = null;
        pieces.setLength(total);
        yield* decodeRest(decoder, c.codes, frames, pieces);
        continue;
      }
      const pieces = new ChunkPieces(c, this.pauseAfter(c), this.fadeSamples(), meter, sampleRate, total);
      if (total === 0) {
        yield { index: c.index, text: c.chunk.text, phonemes: c.chunk.phonemes, audio: pieces.pause, sampleRate, chunkEnd: true };
      } else if (c.audio) {
        // Already decoded whole (an audio reader chose it): cut into the same pieces instead of decoding again.
        for (let at = 0, step = STREAM_FIRST_PIECE_FRAMES * hopLength; at < c.audio.length; at += step, step = STREAM_PIECE_FRAMES * hopLength) {
          yield* shaped([c.audio.slice(at, at + step)], pieces);
        }
      } else {
        yield* decodeRest(decoderFor(), c.codes, 0, pieces);
      }
    }
    options.onStats?.(meter.result(sampleRate));
  }

  /**
   * AR + NAR for each text chunk in order (phonemized just before); the codes of a chunk are complete before its audio
   * is decoded, except that with `earlyHead` the first chunk may first come as its head (ChunkCodes.head). Work still
   * running for a chunk when the caller stops early is cancelled.
   */
  private async *chunkCodes(text: string, options: SynthesisOptions, r: ResolvedSynthesis, meter: StatsMeter, earlyHead = false): AsyncGenerator<ChunkCodes> {
    throwIfAborted(r.signal);
    const stop = new AbortController();
    const signal = r.signal ? AbortSignal.any([r.signal, stop.signal]) : stop.signal;
    if (this.batcher) this.batcher.activeRequests++;
    let complete = false;
    try {
      yield* this.chunkCodesOf(text, options, { ...r, signal }, meter, earlyHead);
      complete = true;
    } finally {
      if (!complete) stop.abort();
      if (this.batcher) this.batcher.activeRequests--;
    }
  }

  private async *chunkCodesOf(text: string, options: SynthesisOptions, r: ResolvedSynthesis, meter: StatsMeter, earlyHead: boolean): AsyncGenerator<ChunkCodes> {
    const textOptions = { normalize: options.normalize, language: options.language, lexicon: options.lexicon };
    const pieces = planChunks(text, { ...textOptions, maxPhonemes: r.chunkPhonemes, firstMaxPhonemes: r.firstChunkPhonemes });
    let index = 0;
    for (const [planned, piece] of pieces.entries()) {
      throwIfAborted(r.signal);
      const chunk = await phonemizeChunk(piece, textOptions);
      if (!chunk) continue;
      const count = pieces.length - planned + index;
      const inputs = chunkInputs(this.model, r.voice, chunk.ids, this.lengthLimit);
      const minGroups = minGroupsFor(chunk.ids.length, this.minLength, this.model.frameRate, this.model.groupSize, inputs.maxGroups);
      const job = { prompt: inputs.ar, maxGroups: inputs.maxGroups, minGroups, params: r.params, seed: r.seed + index, speculative: r.speculative, signal: r.signal };
      const fill = (codebook0: Int32Array, phonemes?: Int32Array): Promise<Codes> => fillCodebooks(this.model, inputs.text, inputs.promptCodes, codebook0, phonemes);
      const hear = async (codebook0: Int32Array, phonemes?: Int32Array): Promise<HeardCandidate> => {
        const codes = await fill(codebook0, phonemes);
        return { codes, audio: await this.model.codec.decode(codes, { voice: r.voice.codes }) };
      };
      let onHead: ((head: Codes) => void) | undefined;
      const head = index === 0 && earlyHead ? new Promise<Codes>((resolve) => (onHead = resolve)) : undefined;
      const work = this.decodeChunk(job, r.candidates, chunk.ids, { text: inputs.text, fill, hear, spliceWords: r.spliceWords, retryAbove: index > 0 || r.retryFirstChunk ? r.retryAbove : 0, onHead });
      // Cancelled while the caller plays the head and then stops: nobody awaits it any more.
      work.catch(() => undefined);
      if (head) {
        const early = await Promise.race([head, work.then(() => undefined)]);
        if (early) yield { index, count, chunk, codes: early, head: true };
      }
      const { ar, decoded, candidates } = await work;
      meter.addAr(ar);
      meter.chunks++;
      if (candidates > 1) meter.candidates += candidates;
      throwIfAborted(r.signal);
      // Unreachable while minGroups >= 1 (the AR cannot end speech at once); named here rather than as an encoder error.
      if (ar.codes.length === 0) throw noSpeech(chunk.text);
      // An audio reader already filled (and decoded) the chosen candidate: neither runs twice.
      yield { index, count, chunk, codes: decoded?.codes ?? (await fill(ar.codes, ar.phonemes)), audio: decoded?.audio };
      index++;
    }
    if (index === 0) throw nothingToSay(text);
  }

  private resolve(options: SynthesisOptions, streaming: boolean): ResolvedSynthesis {
    const m = this.model;
    return resolveSynthesisOptions(options, m.samplingDefaults, { candidates: m.candidates, hasReader: m.reader !== null, spliceWords: m.spliceWords, canSplice: m.canSplice, retryAbove: m.retryAbove, hasPointer: Boolean(m.ar.dims.pointerClasses) }, streaming);
  }

  /**
   * Codebook 0 of one chunk: decoded once, or as `candidates` candidates of which the reader keeps the best. An audio
   * reader hears each candidate (`d.hear` fills and decodes it), and the chosen one's codes and audio come back with
   * it; with `d.spliceWords`, the output is made of the best-heard groups of words of every candidate (splice.ts),
   * and with `d.retryAbove`, a chunk whose spliced groups still read badly gets as many candidates again (up to
   * MAX_CANDIDATES in all), spliced from all of them. `candidates`: how many were sampled.
   */
  private async decodeChunk(job: ArJob, candidates: number, textIds: ArrayLike<number>, d: ChunkDecoding): Promise<{ ar: ArResult; decoded?: DecodedChunk; candidates: number }> {
    const decode = (j: ArJob): Promise<ArResult> => (this.batcher ? this.batcher.submit(j) : generateCodebook0(this.model, j));
    const reader = this.model.reader;
    if (candidates === 1 || !reader) return { ar: await decode(job), candidates: 1 };
    if (reader.input === 'codes') return { ar: (await bestOfCandidates(decode, (c) => reader.score(c.codes, textIds), job, candidates)).result, candidates };
    const heard: (HeardCandidate & { ar: ArResult; logProbs: { data: Float32Array; frames: number } | null })[] = [];
    const score = async (c: ArResult): Promise<number> => {
      const h = await d.hear(c.codes, c.phonemes);
      const { score, logProbs } = await reader.hear(h.audio, textIds);
      heard.push({ ...h, ar: c, logProbs });
      return score;
    };
    // The first word group chosen while the AR is still at work (early-head.ts): a NAR fills a chunk's frames together, so not with one.
    const watch = d.onHead && d.spliceWords > 0 && d.retryAbove === 0 && this.model.canSplice && !this.model.nar ? HeadWatch.of(d.text, d.spliceWords, reader.dims.firstPhonemeId, candidates) : null;
    const watched = (j: ArJob, k: number): Promise<ArResult> =>
      decode({
        ...j,
        onGroup: (p) => {
          watch!.update(k, p);
          // The AR waits while the head is chosen and sent: its steps would take turns with the head's decodes. (Once
          // it is sent, awaiting the settled promise costs a step one microtask.)
          return watch!.isReady ? headSettled : undefined;
        },
      }).then((r) => {
        watch!.finish(k, r);
        return r;
      });
    const head = watch?.ready.then(async (ready): Promise<Head | null> => {
      if (!ready) return null;
      const logProbsOf = async (c: ArResult): Promise<{ data: Float32Array; frames: number } | null> => {
        const { audio } = await d.hear(c.codes, c.phonemes);
        return audio.length >= AUDIO_READER_MIN_SAMPLES ? reader.logProbs(audio) : null;
      };
      const chosen = await chooseHead(watch.partials(), logProbsOf, d.text, d.spliceWords, reader.dims);
      if (chosen) d.onHead!(await d.fill(chosen.codes, chosen.phonemes));
      return chosen;
    });
    const headSettled = head?.then(
      () => undefined,
      () => undefined,
    );
    const choice = await bestOfCandidates(watch ? watched : decode, score, job, candidates);
    const first = (await head)?.candidate;
    const spliceable = (): boolean => heard.every((h) => h.logProbs && h.ar.positions && h.ar.phonemes);
    if (d.spliceWords === 0 || !spliceable()) return { ar: choice.result, decoded: heard[choice.chosen], candidates };
    const splice = () => spliceCandidates(heard.map((h) => ({ codes: h.ar.codes, phonemes: h.ar.phonemes!, positions: h.ar.positions!, logProbs: h.logProbs!.data, frames: h.logProbs!.frames })), d.text, d.spliceWords, reader.dims, first);
    let spliced = splice();
    let ar = choice.result;
    const more = Math.min(candidates, MAX_CANDIDATES - candidates);
    if (more > 0 && needsRetry(spliced, d.retryAbove)) {
      ar = withWorkOf(ar, [ar, (await bestOfCandidates(decode, score, job, more, candidates)).result]);
      if (spliceable()) spliced = splice();
    }
    const sampled = heard.length;
    // Every segment from one candidate: that candidate, already heard (no second decode).
    const from = new Set(spliced.choices);
    if (from.size === 1 && !from.has(-1)) return { ar, decoded: heard[spliced.choices[0]], candidates: sampled };
    // A head is playing: stream() decodes the rest in pieces, so no whole decode.
    if (first !== undefined) return { ar, decoded: { codes: await d.fill(spliced.codes, spliced.phonemes) }, candidates: sampled };
    return { ar, decoded: await d.hear(spliced.codes, spliced.phonemes), candidates: sampled };
  }

  private fadeSamples(): number {
    return Math.round((CHUNK_FADE_MS / 1000) * this.model.sampleRate);
  }

  /** The pause after a chunk: none after the last one, nor inside a phrase (a chunk cut between words, see first-chunk.ts). */
  private pauseAfter(c: ChunkCodes): Float32Array {
    return new Float32Array(c.index < c.count - 1 && !c.chunk.midPhrase ? Math.round((CHUNK_PAUSE_MS / 1000) * this.model.sampleRate) : 0);
  }
}
