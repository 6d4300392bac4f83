/** An AR (or drafter) ONNX graph loaded once and shared by every decoding session that uses it. */
import { ParlaError } from '../errors.js';
import { openGraph, ort, type SessionOptions } from '../onnx.js';
import { AR_POINTER_CONTEXT_INPUT, AR_POINTER_OUTPUT, arInputNames, arOutputNames, cacheNames, type ArDims } from './contract.js';
import { KvCache } from './kv-cache.js';

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
  /** The cache so far (read, not changed: the caller appends the outputs). */
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
  /** Per layer, the keys and values of the S new positions [S, B, H, Dh] (to append to the cache). */
  newKeys: Float32Array[];
  newValues: Float32Array[];
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
    const session = await openGraph(path, arInputNames(dims.nLayers, Boolean(dims.pointerContext)), arOutputNames(dims.nLayers, Boolean(dims.pointerClasses)), options);
    return new ArModel(path, dims, session);
  }

  /** An empty cache for `batch` rows. */
  emptyCache(batch: number): KvCache {
    const { nLayers, nHeads, headDim } = this.dims;
    return new KvCache(nLayers, batch, nHeads, headDim);
  }

  async run(f: ArFeeds): Promise<ArOutputs> {
    const { batch: b, positionsCount: s } = f;
    const slot = f.past.length === 0 ? this.maskedSlot(b, s, f.attentionMask) : null;
    const cache: Record<string, ort.Tensor> = {};
    this.layerNames.forEach((n, i) => {
      const { key, value } = slot ? slot.past : f.past.past(i);
      cache[n.pastKey] = key;
      cache[n.pastValue] = value;
    });
    const out = await this.session.run({
      ...cache,
      text_ids: new ort.Tensor('int64', f.textIds, [b, s]),
      audio_codes: new ort.Tensor('int64', f.audioCodes, [b, s, this.dims.groupSize]),
      is_audio: new ort.Tensor('bool', f.isAudio, [b, s]),
      positions: new ort.Tensor('int64', f.positions, [b, s]),
      attention_mask: new ort.Tensor('bool', slot ? slot.mask : f.attentionMask, [b, (slot ? 1 : f.past.length) + s]),
      ...(this.dims.pointerContext ? { [AR_POINTER_CONTEXT_INPUT]: new ort.Tensor('int64', f.pointerContext ?? new BigInt64Array(b * s * 3), [b, s, 3]) } : {}),
    });
    const logits = out.logits;
    const expected = b * s * this.dims.groupSize * this.dims.vocabSize;
    if (logits.data.length !== expected) {
      throw new ParlaError('model_invalid', `${this.path}: logits have shape [${logits.dims.join(', ')}], expected [${b}, ${s}, ${this.dims.groupSize}, ${this.dims.vocabSize}]`, { param: this.path });
    }
    const want = [s, b, this.dims.nHeads, this.dims.headDim].join();
    const presentOf = (name: string): Float32Array => {
      if (out[name].dims.join() !== want) {
        throw new ParlaError('model_invalid', `${this.path}: ${name} has shape [${out[name].dims.join(', ')}], expected [${want.replaceAll(',', ', ')}] (model.json dims)`, { param: this.path });
      }
      return out[name].data as Float32Array;
    };
    const pointer = this.dims.pointerClasses ?? 0;
    let advance: Float32Array | undefined;
    if (pointer) {
      advance = out[AR_POINTER_OUTPUT].data as Float32Array;
      if (advance.length !== b * s * pointer) {
        throw new ParlaError('model_invalid', `${this.path}: advance_logits have shape [${out[AR_POINTER_OUTPUT].dims.join(', ')}], expected [${b}, ${s}, ${pointer}]`, { param: this.path });
      }
    }
    return { logits: logits.data as Float32Array, newKeys: this.layerNames.map((n) => presentOf(n.presentKey)), newValues: this.layerNames.map((n) => presentOf(n.presentValue)), advance };
  }

  /**
   * An empty cache fed as one masked position of zeros. Graphs that read the past in place (exported since
   * 2026-11-26, training/lm/modules.py) multiply by it, and onnxruntime's CPU MatMul kills the process (SIGFPE) on
   * an empty operand; a masked key gets a softmax weight of exactly 0, so the outputs are those of an empty past.
   */
  private maskedSlot(b: number, s: number, mask: Uint8Array): { past: { key: ort.Tensor; value: ort.Tensor }; mask: Uint8Array } {
    const { nHeads, headDim } = this.dims;
    // One read-only zero tensor serves as every layer's past keys and values.
    const zeros = new ort.Tensor('float32', new Float32Array(b * nHeads * headDim), [1, b, nHeads, headDim]);
    const padded = new Uint8Array(b * (1 + s));
    for (let r = 0; r < b; r++) padded.set(mask.subarray(r * s, (r + 1) * s), r * (1 + s) + 1);
    return { past: { key: zeros, value: zeros }, mask: padded };
  }
}
