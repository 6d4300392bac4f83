/** An AR (or drafter) ONNX graph loaded once and shared by every decoding session that uses it. */
import { ParlaError } from '../errors.js';
import { createSession, expectSessionIO, ort, type SessionOptions } from '../onnx.js';
import { AR_POINTER_CONTEXT_INPUT, AR_POINTER_OUTPUT, arInputNames, arOutputNames, cacheNames, type ArDims } from './contract.js';
import type { KvCache } from './kv-cache.js';

/** One call's inputs, already laid out: see docs/model-format.md ("ar.onnx"). */
export interface ArFeeds {
  /** [B, S] */
  textIds: BigInt64Array;
  /** [B, S, G] */
  audioCodes: BigInt64Array;
  /** [B, S], 1 = the position holds an audio group. */
  isAudio: Uint8Array;
  /** [B, S] RoPE positions. */
  positions: BigInt64Array;
  /** L tensors [B, H, P, Dh] each. */
  past: KvCache;
  /** [B, P + S], 1 = a real (non-padding) key. */
  attentionMask: Uint8Array;
  /** [B, S, 3] pointer context (models with dims.pointerContext; zeros where unknown). */
  pointerContext?: BigInt64Array;
  batch: number;
  positionsCount: number;
}

export interface ArOutputs {
  /** [B, S, G, V] */
  logits: Float32Array;
  /** L tensors [B, H, P + S, Dh] each. */
  present: KvCache;
  /** Pointer models only: [B, S, pointerClasses]. */
  advance?: Float32Array;
}

export class ArModel {
  /** Per layer, the graph's names of its past and present keys and values (made once, not per step). */
  private readonly layerNames: { pastKey: string; pastValue: string; presentKey: string; presentValue: string }[];

  private constructor(
    readonly path: string,
    readonly dims: ArDims,
    private readonly session: ort.InferenceSession,
  ) {
    const past = cacheNames('past', dims.nLayers);
    const present = cacheNames('present', dims.nLayers);
    this.layerNames = Array.from({ length: dims.nLayers }, (_, i) => ({ pastKey: past[2 * i], pastValue: past[2 * i + 1], presentKey: present[2 * i], presentValue: present[2 * i + 1] }));
  }

  /** Creates the onnxruntime session (once per process and model) and checks its inputs and outputs. */
  static async load(path: string, dims: ArDims, options: SessionOptions = {}): Promise<ArModel> {
    const session = await createSession(path, options);
    expectSessionIO(session, path, arInputNames(dims.nLayers, Boolean(dims.pointerContext)), arOutputNames(dims.nLayers, Boolean(dims.pointerClasses)));
    return new ArModel(path, dims, session);
  }

  /** Zero-length per-layer keys and values [B, H, 0, Dh] for a fresh cache. */
  emptyCache(batch: number): KvCache {
    const { nLayers, nHeads, headDim } = this.dims;
    const empty = (): ort.Tensor[] => Array.from({ length: nLayers }, () => new ort.Tensor('float32', new Float32Array(0), [batch, nHeads, 0, headDim]));
    return { keys: empty(), values: empty() };
  }

  async run(f: ArFeeds): Promise<ArOutputs> {
    const { batch: b, positionsCount: s } = f;
    const past = f.past.keys[0].dims[2];
    const cache: Record<string, ort.Tensor> = {};
    this.layerNames.forEach((n, i) => {
      cache[n.pastKey] = f.past.keys[i];
      cache[n.pastValue] = f.past.values[i];
    });
    const out = await this.session.run({
      ...cache,
      text_ids: new ort.Tensor('int64', f.textIds, [b, s]),
      audio_codes: new ort.Tensor('int64', f.audioCodes, [b, s, this.dims.groupSize]),
      is_audio: new ort.Tensor('bool', f.isAudio, [b, s]),
      positions: new ort.Tensor('int64', f.positions, [b, s]),
      attention_mask: new ort.Tensor('bool', f.attentionMask, [b, past + s]),
      ...(this.dims.pointerContext ? { [AR_POINTER_CONTEXT_INPUT]: new ort.Tensor('int64', f.pointerContext ?? new BigInt64Array(b * s * 3), [b, s, 3]) } : {}),
    });
    const logits = out.logits;
    const expected = b * s * this.dims.groupSize * this.dims.vocabSize;
    if (logits.data.length !== expected) {
      throw new ParlaError('model_invalid', `${this.path}: logits have shape [${logits.dims.join(', ')}], expected [${b}, ${s}, ${this.dims.groupSize}, ${this.dims.vocabSize}]`, { param: this.path });
    }
    const want = [b, this.dims.nHeads, past + s, this.dims.headDim].join();
    const presentOf = (name: string): ort.Tensor => {
      if (out[name].dims.join() !== want) {
        throw new ParlaError('model_invalid', `${this.path}: ${name} has shape [${out[name].dims.join(', ')}], expected [${want.replaceAll(',', ', ')}] (model.json dims)`, { param: this.path });
      }
      return out[name];
    };
    const present: KvCache = { keys: this.layerNames.map((n) => presentOf(n.presentKey)), values: this.layerNames.map((n) => presentOf(n.presentValue)) };
    const pointer = this.dims.pointerClasses ?? 0;
    let advance: Float32Array | undefined;
    if (pointer) {
      advance = out[AR_POINTER_OUTPUT].data as Float32Array;
      if (advance.length !== b * s * pointer) {
        throw new ParlaError('model_invalid', `${this.path}: advance_logits have shape [${out[AR_POINTER_OUTPUT].dims.join(', ')}], expected [${b}, ${s}, ${pointer}]`, { param: this.path });
      }
    }
    return { logits: logits.data as Float32Array, present, advance };
  }
}
