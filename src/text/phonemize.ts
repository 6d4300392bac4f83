/** Text -> IPA phoneme string through the npm `phonemizer` (espeak-ng in WASM), keeping punctuation for prosody. */
import { ParlaError } from '../errors.js';
import { applyLexicon, type Lexicon } from './lexicon.js';
import { phonemesToIds } from './symbols.js';

export interface PhonemizeOptions {
  /** espeak-ng English voice: 'en-us' (default), 'en-gb', 'en', ... The npm phonemizer knows English only. */
  language?: string;
  lexicon?: Lexicon;
}

/**
 * Languages the bundled espeak-ng data covers (the npm phonemizer ships English only), mapped to
 * the espeak voice that really speaks them: plain "en-gb" comes out American in the WASM build, and
 * Scottish English is left out because it writes length as ':' (a punctuation symbol here).
 */
const LANGUAGE_VOICES: Record<string, string> = {
  en: 'en-us',
  'en-us': 'en-us',
  'en-us-nyc': 'en-us-nyc',
  'en-gb': 'en-gb-x-rp',
  'en-gb-x-rp': 'en-gb-x-rp',
  'en-029': 'en-029',
};
export const SUPPORTED_LANGUAGES = Object.keys(LANGUAGE_VOICES);

export function resolveLanguage(language = 'en-us'): string {
  const voice = LANGUAGE_VOICES[language.toLowerCase()];
  if (voice) return voice;
  throw new ParlaError(
    'unsupported_language',
    `language "${language}" is not supported: the phonemizer (espeak-ng WASM from npm) knows English only (${SUPPORTED_LANGUAGES.join(', ')})`,
    { param: 'language' },
  );
}

// espeak-ng drops punctuation and cuts its output at clause boundaries, so Parla cuts the
// text itself, phonemizes the clauses and puts the punctuation back between them.
const CLAUSE_PUNCTUATION = /([.,?!;:—…]+)/;
const PUNCT_SYMBOL: Record<string, string> = { '.': '.', ',': ',', '?': '?', '!': '!', ';': ';', ':': ':', '—': '—', '…': '.' };

type EspeakPhonemize = (text: string, language?: string) => Promise<string[]>;
let espeak: Promise<EspeakPhonemize> | undefined;

/**
 * Loads the espeak-ng WASM module once. Its Emscripten glue installs process-wide
 * 'uncaughtException' and 'unhandledRejection' handlers that rethrow (and print the whole
 * minified bundle); those would turn any stray rejection in the server into a crash, so the
 * handlers it adds are removed again right after loading.
 */
function loadEspeak(): Promise<EspeakPhonemize> {
  espeak ??= (async () => {
    const before = {
      uncaughtException: new Set(process.listeners('uncaughtException')),
      unhandledRejection: new Set(process.listeners('unhandledRejection')),
    };
    const module = await import('phonemizer');
    for (const listener of process.listeners('uncaughtException')) {
      if (!before.uncaughtException.has(listener)) process.removeListener('uncaughtException', listener);
    }
    for (const listener of process.listeners('unhandledRejection')) {
      if (!before.unhandledRejection.has(listener)) process.removeListener('unhandledRejection', listener);
    }
    return module.phonemize;
  })();
  return espeak;
}

const CACHE_LIMIT = 20_000;
const cache = new Map<string, string>();

async function phonemizeClause(clause: string, language: string): Promise<string> {
  const key = `${language}\u0000${clause}`;
  const hit = cache.get(key);
  if (hit !== undefined) {
    // Re-insert to keep the Map in least-recently-used order.
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const lines = await (await loadEspeak())(clause, language);
  // espeak marks words it reads in another language as "(fr)...(en)"; the markers are not phonemes.
  const phonemes = lines.join(' ').replace(/\([a-z-]+\)/g, '').replace(/\s+/g, ' ').trim().normalize('NFC');
  cache.set(key, phonemes);
  if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  return phonemes;
}

/** Quotes, brackets and similar carry no sound; espeak would sometimes read them aloud. */
function stripSilentMarks(text: string): string {
  return text.replace(/["“”„«»()[\]{}*_~`|<>]/g, ' ').replace(/[‘’]/g, "'").replace(/[–]/g, '—');
}

/** Phonemizes `text` (already normalized, or raw when normalization is off) to an IPA string with punctuation. */
export async function phonemize(text: string, options: PhonemizeOptions = {}): Promise<string> {
  const language = resolveLanguage(options.language);
  const parts: string[] = [];
  for (const segment of applyLexicon(text, options.lexicon)) {
    if ('phonemes' in segment) {
      parts.push(' ', segment.phonemes, ' ');
      continue;
    }
    for (const piece of stripSilentMarks(segment.text).split(CLAUSE_PUNCTUATION)) {
      if (CLAUSE_PUNCTUATION.test(piece)) {
        // "?!" -> "?", "..." -> ".": one punctuation symbol per clause boundary.
        parts.push(PUNCT_SYMBOL[piece[0]] ?? '.', ' ');
      } else if (piece.trim() !== '') {
        parts.push(' ', await phonemizeClause(piece.trim(), language));
      }
    }
  }
  return parts
    .join('')
    .replace(/\s+/g, ' ')
    .replace(/ ([.,?!;:—])/g, '$1')
    .replace(/^[ .,?!;:—]+/, '')
    .trim();
}

/** Phonemizes and maps to vocabulary ids; throws ParlaError('empty_input') when nothing pronounceable is left. */
export async function textToPhonemeIds(text: string, options: PhonemizeOptions = {}): Promise<{ phonemes: string; ids: Int32Array }> {
  const phonemes = await phonemize(text, options);
  if (!/[^\s.,?!;:—]/.test(phonemes)) {
    throw new ParlaError('empty_input', `text has no pronounceable content: "${text.slice(0, 80)}"`, { param: 'input' });
  }
  return { phonemes, ids: phonemesToIds(phonemes) };
}
