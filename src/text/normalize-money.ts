/** Currency amounts in words: "$42.50" -> "forty-two dollars and fifty cents", "$3.5 million" -> "three point five million dollars". */
import { cardinal, numberWords } from './numbers.js';

interface Currency {
  one: string;
  many: string;
  /** Name of the hundredth part, or null when amounts have no minor unit in speech (yen). */
  minorOne: string | null;
  minorMany: string | null;
}

const DOLLAR: Currency = { one: 'dollar', many: 'dollars', minorOne: 'cent', minorMany: 'cents' };
const CURRENCIES: Record<string, Currency> = {
  $: DOLLAR, US$: DOLLAR, USD: DOLLAR,
  A$: { ...DOLLAR, one: 'Australian dollar', many: 'Australian dollars' },
  C$: { ...DOLLAR, one: 'Canadian dollar', many: 'Canadian dollars' },
  '£': { one: 'pound', many: 'pounds', minorOne: 'penny', minorMany: 'pence' },
  GBP: { one: 'pound', many: 'pounds', minorOne: 'penny', minorMany: 'pence' },
  '€': { one: 'euro', many: 'euros', minorOne: 'cent', minorMany: 'cents' },
  EUR: { one: 'euro', many: 'euros', minorOne: 'cent', minorMany: 'cents' },
  '¥': { one: 'yen', many: 'yen', minorOne: null, minorMany: null },
  JPY: { one: 'yen', many: 'yen', minorOne: null, minorMany: null },
  '₹': { one: 'rupee', many: 'rupees', minorOne: 'paisa', minorMany: 'paise' },
  INR: { one: 'rupee', many: 'rupees', minorOne: 'paisa', minorMany: 'paise' },
};

const SCALE_WORDS: Record<string, string> = {
  k: 'thousand', thousand: 'thousand', m: 'million', mm: 'million', mn: 'million', million: 'million',
  b: 'billion', bn: 'billion', billion: 'billion', t: 'trillion', tn: 'trillion', trillion: 'trillion',
};

const AMOUNT = String.raw`(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)`;
const SCALE = String.raw`(?: ?(thousand|million|billion|trillion)\b|(k|mm?|mn|bn?|tn?)\b)?`;
const SYMBOL = String.raw`(US\$|A\$|C\$|[$£€¥₹])`;
// "-$5", "$42.50", "$3.5 million", "$5M", "$10-20" (ranges were rewritten to "$10 to 20" already).
const SYMBOL_AMOUNT = new RegExp(
  String.raw`(?<![\w$])(-)?${SYMBOL} ?${AMOUNT}${SCALE}(?: to (?:${SYMBOL})?${AMOUNT}${SCALE})?`,
  'gi',
);
const CODE_AMOUNT = new RegExp(String.raw`(?<![\w.])${AMOUNT}${SCALE} (USD|EUR|GBP|JPY|INR)\b`, 'g');
const CENTS = /(?<![\w.])(\d+)(?: ?¢| cents?\b)/g;

/** One amount without its currency name when `bare` (for the first half of a range). */
function amountWords(amount: string, scaleToken: string | undefined, currency: Currency, bare: boolean): string {
  const scale = scaleToken ? SCALE_WORDS[scaleToken.toLowerCase()] : undefined;
  if (scale) return `${numberWords(amount)} ${scale}${bare ? '' : ` ${currency.many}`}`;
  const [rawMajor, minorDigits] = amount.replace(/,/g, '').split('.');
  const major = rawMajor === '' ? '0' : rawMajor;
  // Only one or two decimals are cents; "$1.005" is a plain decimal amount.
  if (minorDigits === undefined || minorDigits.length > 2 || currency.minorOne === null) {
    const words = numberWords(amount);
    if (bare) return words;
    return `${words} ${amount === '1' ? currency.one : currency.many}`;
  }
  const minor = Number(minorDigits.padEnd(2, '0'));
  const majorPart = `${cardinal(major)} ${major === '1' ? currency.one : currency.many}`;
  const minorPart = `${cardinal(minor)} ${minor === 1 ? currency.minorOne : currency.minorMany}`;
  if (minor === 0) return majorPart;
  if (Number(major) === 0) return minorPart;
  return `${majorPart} and ${minorPart}`;
}

function currencyFor(symbol: string): Currency {
  return CURRENCIES[symbol.toUpperCase()] ?? CURRENCIES[symbol];
}

/** Replaces currency amounts written with a symbol ($ £ € ¥ ₹ US$), a code (USD, EUR) or ¢. */
export function normalizeMoney(text: string): string {
  let out = text.replace(
    SYMBOL_AMOUNT,
    (_m, minus: string | undefined, symbol: string, amount: string, scaleWord?: string, scaleLetter?: string,
      symbol2?: string, amount2?: string, scaleWord2?: string, scaleLetter2?: string) => {
      const currency = currencyFor(symbol);
      const sign = minus ? 'minus ' : '';
      if (amount2 === undefined) return sign + amountWords(amount, scaleWord ?? scaleLetter, currency, false);
      const second = amountWords(amount2, scaleWord2 ?? scaleLetter2, currencyFor(symbol2 ?? symbol), false);
      const sharedScale = (scaleWord ?? scaleLetter) === undefined && (scaleWord2 ?? scaleLetter2) !== undefined;
      // "$10 to 20" -> "ten to twenty dollars"; "$1 to 2 million" -> "one to two million dollars".
      return `${sign}${sharedScale ? numberWords(amount) : amountWords(amount, scaleWord ?? scaleLetter, currency, true)} to ${second}`;
    },
  );
  out = out.replace(CODE_AMOUNT, (_m, amount: string, scaleWord?: string, scaleLetter?: string, code?: string) =>
    amountWords(amount, scaleWord ?? scaleLetter, CURRENCIES[code ?? 'USD'], false));
  return out.replace(CENTS, (_m, n: string) => `${cardinal(n)} ${n === '1' ? 'cent' : 'cents'}`);
}
