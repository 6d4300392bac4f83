/** User pronunciation lexicon: word -> IPA phonemes (written /.../) or a respelling, applied before phonemization. */
import { readFileSync } from 'node:fs';
import { ParlaError } from '../errors.js';
import { splitSymbols } from './symbols.js';

export type LexiconEntry = { kind: 'ipa'; phonemes: string } | { kind: 'respell'; text: string };

/** Keys are lower-case words; matching is whole-word and case-insensitive. */
export type Lexicon = ReadonlyMap<string, LexiconEntry>;

const WORD = /^[\p{L}\p{N}][\p{L}\p{N}'’.-]*$/u;

/**
 * Parses lexicon text: one entry per line, `word<TAB or spaces>replacement`; `/.../` marks IPA,
 * anything else is a respelling ("Parla  PAR-luh"). `#` starts a comment. Errors name the line.
 */
export function parseLexicon(text: string, source = 'lexicon'): Lexicon {
  const entries = new Map<string, LexiconEntry>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const m = /^(\S+)\s+(.+)$/.exec(line);
    const where = `${source}:${i + 1}`;
    if (!m) throw new ParlaError('invalid_input', `${where}: expected "word replacement", got "${raw.trim()}"`, { param: 'lexicon' });
    const [, word, replacement] = m;
    if (!WORD.test(word)) throw new ParlaError('invalid_input', `${where}: "${word}" is not a single word`, { param: 'lexicon' });
    const ipa = /^\/(.+)\/$/.exec(replacement.trim());
    if (ipa) {
      const { unknown } = splitSymbols(ipa[1]);
      if (unknown.length > 0) {
        throw new ParlaError('unknown_symbol', `${where}: IPA for "${word}" uses symbols outside the vocabulary: ${unknown.join(' ')}`, { param: 'lexicon' });
      }
      entries.set(word.toLowerCase(), { kind: 'ipa', phonemes: ipa[1].normalize('NFC') });
    } else {
      entries.set(word.toLowerCase(), { kind: 'respell', text: replacement.trim() });
    }
  });
  return entries;
}

export function loadLexicon(path: string): Lexicon {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ParlaError('file_not_found', `cannot read lexicon file ${path}: ${(err as Error).message}`, { param: 'lexicon', cause: err });
  }
  return parseLexicon(text, path);
}

/** A piece of text to phonemize, or phonemes given directly by the lexicon. */
export type LexiconSegment = { text: string } | { phonemes: string };

/** Applies respellings in place and cuts the text around IPA entries. */
export function applyLexicon(text: string, lexicon: Lexicon | undefined): LexiconSegment[] {
  if (!lexicon || lexicon.size === 0) return [{ text }];
  const segments: LexiconSegment[] = [];
  let pending = '';
  // Split into word and non-word runs, keeping both, so the text is rebuilt exactly.
  for (const part of text.split(/([\p{L}\p{N}][\p{L}\p{N}'’-]*)/u)) {
    const entry = lexicon.get(part.toLowerCase());
    if (!entry) pending += part;
    else if (entry.kind === 'respell') pending += entry.text;
    else {
      if (pending.trim() !== '') segments.push({ text: pending });
      pending = '';
      segments.push({ phonemes: entry.phonemes });
    }
  }
  if (pending.trim() !== '' || segments.length === 0) segments.push({ text: pending });
  return segments;
}
