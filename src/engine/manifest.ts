/** Loads models/<name>/model.json, validates it against the contract and the files on disk, and refuses what the runtime cannot run. */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ParlaError } from '../errors.js';
import { arDtype, arInputNames, arOutputNames, cacheNames, narDtype, NAR_INPUTS, NAR_OUTPUTS, type ArDims, type NarDims } from '../lm/contract.js';
import { SYMBOLS } from '../text/symbols.js';
import { manifestSchema, type ArSection, type ModelManifest, type NarSection, type ReaderSection, type TensorSpec } from './manifest-schema.js';
import { modelCandidates, modelGuidance, modelSamplingDefaults } from './model-sampling.js';

export type { ModelManifest } from './manifest-schema.js';

/** The model.json format versions this runtime can run. */
export const SUPPORTED_FORMAT_VERSIONS = [1];

export interface LoadedManifest {
  dir: string;
  manifest: ModelManifest;
  /** Absolute paths of the graphs model.json names (draft: null when the model has no drafter). */
  files: { ar: string; nar: string | null; draft: string | null; reader: string | null; codecEncoder: string; codecDecoder: string };
}

/** Reads and validates `<dir>/model.json`; every error names the field or file at fault. */
export function loadModelManifest(dir: string): LoadedManifest {
  const absDir = resolve(dir);
  const path = join(absDir, 'model.json');
  if (!existsSync(path)) throw new ParlaError('model_missing', `no model.json in ${absDir}`, { param: path });
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ParlaError('model_invalid', `${path} is not valid JSON: ${(err as Error).message}`, { param: path, cause: err });
  }
  if (raw && typeof raw === 'object' && !('ar' in raw) && 'codec' in raw) {
    // A codec trained or exported on its own: say what the folder can and cannot do.
    throw new ParlaError(
      'model_missing',
      `${absDir} holds a codec-only model (no "ar" language model), so it cannot synthesize speech (models/default can); "parla codec", "parla eval codec" and "parla voices" work with it`,
      { param: 'ar' },
    );
  }
  const m = validateManifest(raw, path);
  const file = (field: string, name: string): string => {
    const p = join(absDir, name);
    if (!existsSync(p)) throw new ParlaError('model_missing', `${path}: field "${field}" names ${name}, which is not in ${absDir}`, { param: field });
    return p;
  };
  return {
    dir: absDir,
    manifest: m,
    files: {
      ar: file('ar.file', m.ar.file),
      nar: m.nar ? file('nar.file', m.nar.file) : null,
      draft: m.draft ? file('draft.file', m.draft.file) : null,
      reader: m.reader ? file('reader.file', m.reader.file) : null,
      codecEncoder: file('codec.encoder.file', m.codec.encoder.file),
      codecDecoder: file('codec.decoder.file', m.codec.decoder.file),
    },
  };
}

type Fail = (field: string, message: string) => never;

/** Checks parsed model.json content against the schema and the contract (no file access); `source` prefixes errors. */
export function validateManifest(raw: unknown, source = 'model.json'): ModelManifest {
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = formatPath(issue.path);
    throw new ParlaError('model_invalid', `${source}: field "${field}": ${issue.message}`, { param: field });
  }
  const fail: Fail = (field, message) => {
    throw new ParlaError('model_invalid', `${source}: field "${field}": ${message}`, { param: field });
  };
  checkContract(parsed.data, fail);
  modelSamplingDefaults(parsed.data, source);
  modelCandidates(parsed.data, source);
  modelGuidance(parsed.data, source);
  return parsed.data;
}

function checkContract(m: ModelManifest, fail: Fail): void {
  if (!SUPPORTED_FORMAT_VERSIONS.includes(m.format_version)) fail('format_version', `version ${m.format_version} is not supported by this runtime (supports ${SUPPORTED_FORMAT_VERSIONS.join(', ')})`);
  const { codebook_size: v, num_codebooks: q } = m.audio;
  const ph = m.phonemes;
  for (const key of ['pad_id', 'bos_id', 'eos_id', 'sep_id'] as const) {
    if (ph[key] >= ph.vocab_size) fail(`phonemes.${key}`, `${ph[key]} is outside the vocabulary (0..${ph.vocab_size - 1})`);
  }
  if (new Set([ph.pad_id, ph.bos_id, ph.eos_id, ph.sep_id]).size !== 4) fail('phonemes', 'pad_id, bos_id, eos_id and sep_id must differ');
  if (ph.vocab_size < SYMBOLS.length) fail('phonemes.vocab_size', `${ph.vocab_size} is smaller than the runtime's phoneme table (${SYMBOLS.length} symbols)`);
  if (ph.symbols.length > ph.vocab_size) fail('phonemes.symbols', `${ph.symbols.length} symbols do not fit vocab_size ${ph.vocab_size}`);
  const common = Math.min(ph.symbols.length, SYMBOLS.length);
  for (let i = 0; i < common; i++) {
    if (ph.symbols[i] !== SYMBOLS[i]) fail(`phonemes.symbols[${i}]`, `"${ph.symbols[i]}" differs from the runtime's symbol "${SYMBOLS[i]}" for id ${i}`);
  }
  if (m.tokens.audio_eos !== v) fail('tokens.audio_eos', `must equal audio.codebook_size (${v}), got ${m.tokens.audio_eos}`);
  if (m.tokens.nar_pad_code !== v) fail('tokens.nar_pad_code', `must equal audio.codebook_size (${v}), got ${m.tokens.nar_pad_code}`);
  checkAr(m.ar, 'ar', m, fail);
  if (m.draft) checkAr(m.draft, 'draft', m, fail);
  // Speculative decoding does not drive a pointer (a drafter would have to propose pointer moves too).
  if (m.draft && m.ar.dims.pointer_classes) fail('draft', 'must be null for a phoneme-pointer AR (ar.dims.pointer_classes): speculative decoding of pointer models is not supported');
  if (m.draft?.dims.pointer_classes) fail('draft.dims.pointer_classes', 'a drafter cannot have a phoneme pointer');
  if (m.reader) checkReader(m.reader, m, fail);
  if (!m.nar) return; // codebook 0 alone: the codec decodes any prefix of the codebooks
  checkNar(m.nar, m, fail);
  // The NAR fills stages 1..k (k <= Q-1) and the codec decodes the first k+1 codebooks: a small NAR that cannot
  // yet predict the fine codebooks ships the stages it gets right rather than adding noise with the others.
  const k = m.nar.stages.length;
  const stages = Array.from({ length: k }, (_, i) => i + 1);
  if (k < 1 || k > q - 1 || m.nar.stages.join() !== stages.join()) {
    fail('nar.stages', `must be [1, ..., k] with 1 <= k <= ${q - 1} for ${q} codebooks, got [${m.nar.stages.join(', ')}]`);
  }
}

function checkReader(r: ReaderSection, m: ModelManifest, fail: Fail): void {
  if (r.vocab_size !== m.phonemes.vocab_size) fail('reader.vocab_size', `must equal phonemes.vocab_size (${m.phonemes.vocab_size}): the reader reads text ids, got ${r.vocab_size}`);
  if (r.blank_id >= r.vocab_size) fail('reader.blank_id', `${r.blank_id} is outside the vocabulary (0..${r.vocab_size - 1})`);
  if (r.first_phoneme_id >= r.vocab_size) fail('reader.first_phoneme_id', `${r.first_phoneme_id} is outside the vocabulary (0..${r.vocab_size - 1})`);
}

function checkAr(s: ArSection, at: string, m: ModelManifest, fail: Fail): void {
  const { d_model, n_layers: l, n_heads: h, head_dim: dh, vocab_size } = s.dims;
  const g = m.group_size;
  if (h * dh !== d_model) fail(`${at}.dims`, `n_heads (${h}) x head_dim (${dh}) must equal d_model (${d_model})`);
  if (vocab_size !== m.audio.codebook_size + 1) fail(`${at}.dims.vocab_size`, `must be audio.codebook_size + 1 (${m.audio.codebook_size + 1}), got ${vocab_size}`);
  const pointer = s.dims.pointer_classes;
  const context = s.dims.pointer_context;
  if (context && !pointer) fail(`${at}.dims.pointer_context`, 'needs a phoneme pointer (dims.pointer_classes)');
  const past = Object.fromEntries(cacheNames('past', l).map((n) => [n, ['P', 'B', h, dh]]));
  const present = Object.fromEntries(cacheNames('present', l).map((n) => [n, ['S', 'B', h, dh]]));
  checkTensors(s.inputs, `${at}.inputs`, arDtype, arInputNames(l, Boolean(context)), fail, {
    audio_codes: ['B', 'S', g],
    ...past,
    ...(context ? { pointer_context: ['B', 'S', 3] } : {}),
  });
  checkTensors(s.outputs, `${at}.outputs`, arDtype, arOutputNames(l, Boolean(pointer)), fail, {
    logits: ['B', 'S', g, vocab_size],
    ...present,
    ...(pointer ? { advance_logits: ['B', 'S', pointer] } : {}),
  });
}

function checkNar(s: NarSection, m: ModelManifest, fail: Fail): void {
  const q = m.audio.num_codebooks;
  if (s.dims.n_heads * s.dims.head_dim !== s.dims.d_model) fail('nar.dims', `n_heads x head_dim must equal d_model (${s.dims.d_model})`);
  checkTensors(s.inputs, 'nar.inputs', narDtype, [...NAR_INPUTS], fail, {
    prompt_codes: ['B', q, 'Tp'],
    target_codes: ['B', q, 'Tf'],
  });
  checkTensors(s.outputs, 'nar.outputs', narDtype, [...NAR_OUTPUTS], fail, { logits: ['B', 'Tf', m.audio.codebook_size] });
}

/** The listed tensors must be exactly `names` with the contract's dtypes; fixed sizes in `shapes` must match. */
function checkTensors(specs: TensorSpec[], at: string, dtypeOf: (name: string) => string, names: string[], fail: Fail, shapes: Record<string, (string | number)[]>): void {
  for (const name of names) {
    const i = specs.findIndex((t) => t.name === name);
    if (i < 0) fail(at, `missing tensor "${name}" (has: ${specs.map((t) => t.name).join(', ') || 'none'})`);
    const t = specs[i];
    if (t.dtype !== dtypeOf(name)) fail(`${at}[${i}].dtype`, `"${name}" must be ${dtypeOf(name)}, got ${t.dtype}`);
    const want = shapes[name];
    if (want && !sameShape(t.shape, want)) fail(`${at}[${i}].shape`, `"${name}" must have shape [${want.join(', ')}], got [${t.shape.join(', ')}]`);
  }
  const extra = specs.find((t) => !names.includes(t.name));
  if (extra) fail(at, `unexpected tensor "${extra.name}" (the runtime feeds only ${names.join(', ')})`);
}

/** Same rank and same fixed sizes; dynamic axes (strings) only need to be dynamic on both sides. */
function sameShape(got: (string | number)[], want: (string | number)[]): boolean {
  return got.length === want.length && got.every((d, i) => (typeof want[i] === 'number' ? d === want[i] : typeof d === 'string'));
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${String(k)}` : String(k)), '') || '(root)';
}

/** The codec's identity: `codec.id`, else the model id (models exported before codec ids existed). Voices are tied to it. */
export function codecIdOf(m: Pick<ModelManifest, 'id' | 'codec'>): string {
  return m.codec.id ?? m.id;
}

/** AR or drafter dimensions for the decoder session. */
export function arDims(m: ModelManifest, which: 'ar' | 'draft'): ArDims {
  const s = m[which];
  if (!s) throw new ParlaError('model_invalid', `model ${m.id} has no drafter (field "draft" is null)`, { param: 'draft' });
  return { nLayers: s.dims.n_layers, nHeads: s.dims.n_heads, headDim: s.dims.head_dim, groupSize: m.group_size, vocabSize: s.dims.vocab_size, textVocabSize: m.phonemes.vocab_size, maxPositions: s.dims.max_positions, pointerClasses: s.dims.pointer_classes ?? 0, pointerContext: s.dims.pointer_context ?? 0 };
}

export function narDims(m: ModelManifest): NarDims {
  if (!m.nar) throw new ParlaError('model_invalid', `model ${m.id} has no NAR (field "nar" is null)`, { param: 'nar' });
  return { numCodebooks: m.audio.num_codebooks, codebookSize: m.audio.codebook_size, textVocabSize: m.phonemes.vocab_size, padCode: m.tokens.nar_pad_code, stages: m.nar.stages.length };
}
