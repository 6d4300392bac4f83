/** URLs and e-mail addresses in spoken form: "dot", "at", "slash"; runs before numbers and symbols touch them. */
import { digitByDigit } from './numbers.js';

const SPOKEN_SYMBOLS: Record<string, string> = {
  '.': 'dot', '/': 'slash', '@': 'at', '-': 'dash', _: 'underscore', ':': 'colon', '?': 'question mark',
  '=': 'equals', '&': 'and', '#': 'hash', '%': 'percent', '+': 'plus', '~': 'tilde',
};

// Top-level domains recognised without a scheme or "www." ("example.com"); a short list keeps
// "Node.js" or "file.txt" from being read as web addresses.
const TLDS = 'com|org|net|edu|gov|mil|int|io|ai|dev|app|info|biz|co|us|uk|de|fr|es|it|nl|eu|ca|au|jp|cn|ru|in|br|ch|se|no|tv|me|ly|gg';
// Lower-case TLDs only for bare domains, so a missing space ("end.It was") is not a web address.
const URL_PATTERN = new RegExp(
  String.raw`\b(?:[Hh][Tt][Tt][Pp][Ss]?:\/\/|[Ff][Tt][Pp]:\/\/|[Ww][Ww][Ww]\.)[^\s<>"']+` +
    String.raw`|\b(?:[A-Za-z0-9-]+\.)+(?:${TLDS})\b(?:\/[^\s<>"']*)?`,
  'g',
);
const EMAIL_PATTERN = /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/g;

/** Reads an address piece by piece: words stay words, "www" and digit runs are spelled, symbols named. */
function speakAddress(address: string): string {
  const parts = address.match(/[A-Za-z]+|\d+|[^A-Za-z\d]/g) ?? [];
  const words = parts.map((part) => {
    if (/^\d+$/.test(part)) return digitByDigit(part);
    if (/^www$/i.test(part)) return 'w-w-w';
    if (/^[A-Za-z]+$/.test(part)) return part.toLowerCase();
    return SPOKEN_SYMBOLS[part] ?? '';
  });
  return words.filter(Boolean).join(' ');
}

/** Strips what trails a URL in prose: sentence punctuation and a closing bracket or quote. */
function splitTrailing(url: string): [string, string] {
  const match = /[.,;:!?)\]}'"]+$/.exec(url);
  if (!match) return [url, ''];
  return [url.slice(0, match.index), match[0]];
}

// Addresses never hold spaces, so each run of non-space characters is matched on its own; runs
// longer than this are not addresses (and would make the patterns above slow: quadratic in length).
const MAX_ADDRESS_LENGTH = 2000;
const CANDIDATE = /\S+/g;

/** Replaces e-mail addresses and URLs by their spoken form; the scheme ("https://") is not read. */
export function normalizeWeb(text: string): string {
  return text.replace(CANDIDATE, (token) => {
    if (token.length > MAX_ADDRESS_LENGTH || !/[.@]/.test(token)) return token;
    const out = token.replace(EMAIL_PATTERN, (email) => ` ${speakAddress(email)} `);
    return out.replace(URL_PATTERN, (raw) => {
      const [url, trailing] = splitTrailing(raw);
      const bare = url.replace(/^[a-z]+:\/\//i, '').replace(/\/$/, '');
      return ` ${speakAddress(bare)} ${trailing}`;
    });
  });
}
