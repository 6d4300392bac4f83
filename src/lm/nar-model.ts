/** The NAR ONNX graph: fills codebooks 1..Q-1 of the target frames, one stage per call, greedily. */
import { ParlaError } from '../errors.js';
import { openGraph, ort, type SessionOptions } from '../onnx.js';
import { NAR_INPUTS, NAR_OUTPUTS, type NarDims } from './contract.js';

/** Q codebooks x T frames, codebook-major (structurally the same as the codec's `Codes`). */
export interface CodeGrid {
  readonly codebooks: number;
  readonly frames: number;
  /** data[q * frames + t] */
  readonly data: Int32Array;
}

export class NarModel {
  private constructor(
    readonly path: string,
    readonly dims: NarDims,
    private readonly session: ort.InferenceSession,
  ) {}

  static async load(path: string, dims: NarDims, options: SessionOptions = {}): Promise<NarModel> {
    return new NarModel(path, dims, await openGraph(path, NAR_INPUTS, NAR_OUTPUTS, options));
  }

  /**
   * Logits [T, codebookSize] for codebook `stage` of the target frames (batch of one).
   * text: text ids [Nt]; prompt: all Q codebooks [Q, Tp]; target: [Q, T] with codebooks >= stage ignored.
   */
  async stageLogits(text: ArrayLike<number>, prompt: CodeGrid, target: CodeGrid, stage: number): Promise<Float32Array> {
    const { numCodebooks: q, codebookSize: v } = this.dims;
    if (!Number.isInteger(stage) || stage < 1 || stage >= q) throw new ParlaError('invalid_input', `NAR stage must be an integer in 1..${q - 1}, got ${stage}`, { param: 'stage' });
    for (const [name, grid] of [['prompt', prompt], ['target', target]] as const) {
      if (grid.codebooks !== q) throw new ParlaError('invalid_input', `${name} codes have ${grid.codebooks} codebooks, the NAR needs ${q}`, { param: name });
    }
    if (target.frames === 0) throw new ParlaError('invalid_input', 'target has no frames', { param: 'target' });
    // An empty prompt is sent as one padding frame (the graph needs Tp >= 1).
    const promptData = prompt.frames > 0 ? prompt.data : new Int32Array(q).fill(this.dims.padCode);
    const tp = Math.max(1, prompt.frames);
    const out = await this.session.run({
      text_ids: new ort.Tensor('int64', BigInt64Array.from(Array.from(text), BigInt), [1, text.length]),
      prompt_codes: new ort.Tensor('int64', BigInt64Array.from(promptData, BigInt), [1, q, tp]),
      target_codes: new ort.Tensor('int64', BigInt64Array.from(target.data, BigInt), [1, q, target.frames]),
      stage: new ort.Tensor('int64', BigInt64Array.of(BigInt(stage)), [1]),
    });
    const logits = out.logits.data as Float32Array;
    if (logits.length !== target.frames * v) throw new ParlaError('model_invalid', `${this.path}: logits have shape [${out.logits.dims.join(', ')}], expected [1, ${target.frames}, ${v}]`, { param: this.path });
    return logits;
  }

  /** How many codebooks `fill` returns: codebook 0 plus one per stage the model ships. */
  get outputCodebooks(): number {
    return 1 + (this.dims.stages ?? this.dims.numCodebooks - 1);
  }

  /**
   * Greedy NAR: codebook 0 [T] -> the first `outputCodebooks` codebooks [n, T], stages 1..n-1 in order.
   * (The graph always sees Q codebooks; the ones not filled yet are masked out inside it.)
   */
  async fill(text: ArrayLike<number>, prompt: CodeGrid, codebook0: Int32Array): Promise<CodeGrid> {
    const { numCodebooks: q, codebookSize: v } = this.dims;
    const t = codebook0.length;
    const n = this.outputCodebooks;
    const target = { codebooks: q, frames: t, data: new Int32Array(q * t) };
    target.data.set(codebook0);
    for (let stage = 1; stage < n; stage++) {
      const logits = await this.stageLogits(text, prompt, target, stage);
      for (let f = 0; f < t; f++) {
        let best = 0;
        for (let c = 1; c < v; c++) if (logits[f * v + c] > logits[f * v + best]) best = c;
        target.data[stage * t + f] = best;
      }
    }
    return n === q ? target : { codebooks: n, frames: t, data: target.data.slice(0, n * t) };
  }
}
