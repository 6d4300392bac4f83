// English text normalization: raw text -> spoken-form text, as tables of input -> expected output.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ParlaError } from '../src/errors.js';
import { normalizeText } from '../src/text/normalize.js';
import { cardinal, ordinal, yearWords } from '../src/text/numbers.js';
import { splitSentences } from '../src/text/split.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const sharedData = process.env.PARLA_SHARED_DATA ?? resolve(repoRoot, '../shared/data');

type Case = [input: string, expected: string];

const numbers: Case[] = [
  ['0', 'zero'],
  ['7', 'seven'],
  ['42', 'forty-two'],
  ['100', 'one hundred'],
  ['123', 'one hundred twenty-three'],
  ['1,000', 'one thousand'],
  ['1,000,000 people', 'one million people'],
  ['12,345,678', 'twelve million three hundred forty-five thousand six hundred seventy-eight'],
  ['1,000,000,000,000', 'one trillion'],
  ['3.14', 'three point one four'],
  ['0.5', 'zero point five'],
  ['.5', 'point five'],
  ['-5 degrees', 'minus five degrees'],
  ['It fell to -3.5.', 'It fell to minus three point five.'],
  ['007', 'zero zero seven'],
  ['1st, 2nd, 3rd, 4th, 11th, 21st, 100th', 'first, second, third, fourth, eleventh, twenty-first, one hundredth'],
  ['the 21st century', 'the twenty-first century'],
  ['1/2 cup', 'one half cup'],
  ['3/4', 'three quarters'],
  ['2/3 of them', 'two thirds of them'],
  ['3 1/2 years', 'three and one half years'],
  ['3½ cups', 'three and one half cups'],
  ['24/7', 'twenty-four seven'],
  ['v1.2.3 released', 'v one point two point three released'],
  ['COVID-19', 'COVID nineteen'],
  ['5G and 4K and 3D', 'five G and four K and three D'],
  ['#1 hit', 'number one hit'],
  ['No. 5', 'number five'],
  ['See FIG. 3 above.', 'See figure three above.'],
  ['See Fig. 3 above.', 'See figure three above.'],
  ['pp. 10-12', 'pages ten to twelve'],
  ['pages 10-12', 'pages ten to twelve'],
  ['It costs 3x more', 'It costs three times more'],
  ['a 4x4 truck', 'a four by four truck'],
];

const years: Case[] = [
  ['in 1999', 'in nineteen ninety-nine'],
  ['1999 apples', 'one thousand nine hundred ninety-nine apples'],
  ['2005', 'two thousand five'],
  ['It was 2021.', 'It was twenty twenty-one.'],
  ['He was born in 1905.', 'He was born in nineteen oh five.'],
  ['since 1900', 'since nineteen hundred'],
  ['in 2000', 'in two thousand'],
  ['in 2010', 'in twenty ten'],
  ['in 1066', 'in ten sixty-six'],
  ['the 2016 election', 'the twenty sixteen election'],
  ['He scored 1999 points', 'He scored one thousand nine hundred ninety-nine points'],
  ['1990-1995', 'nineteen ninety to nineteen ninety-five'],
  ['from 1990–95', 'from nineteen ninety to ninety-five'],
  ['The 1990s', 'The nineteen nineties'],
  ["the '80s", 'the eighties'],
  ['in the 1900s', 'in the nineteen hundreds'],
  ['the 2000s', 'the two thousands'],
  ['100s of birds', 'hundreds of birds'],
  ['44 BC', 'forty-four B-C'],
  ['AD 1066', 'A-D ten sixty-six'],
];

const money: Case[] = [
  ['$42.50', 'forty-two dollars and fifty cents'],
  ['It costs $1.', 'It costs one dollar.'],
  ['$1.01', 'one dollar and one cent'],
  ['$0.99', 'ninety-nine cents'],
  ['$.50', 'fifty cents'],
  ['$42.00', 'forty-two dollars'],
  ['$1,250', 'one thousand two hundred fifty dollars'],
  ['$3.5 million', 'three point five million dollars'],
  ['$2 billion', 'two billion dollars'],
  ['a $5M deal', 'a five million dollars deal'],
  ['$10-$20', 'ten to twenty dollars'],
  ['$10-20', 'ten to twenty dollars'],
  ['-$5', 'minus five dollars'],
  ['£3.20', 'three pounds and twenty pence'],
  ['£1', 'one pound'],
  ['€2.50', 'two euros and fifty cents'],
  ['€1', 'one euro'],
  ['¥500', 'five hundred yen'],
  ['50¢', 'fifty cents'],
  ['100 USD', 'one hundred dollars'],
  ['$1.005', 'one point zero zero five dollars'],
];

const datesAndTimes: Case[] = [
  ['May 3, 2021', 'May third, twenty twenty-one'],
  ['on May 3rd', 'on May third'],
  ['Jan. 5, 2020', 'January fifth, twenty twenty'],
  ['3/14/2015', 'March fourteenth, twenty fifteen'],
  ['14/03/2015', 'March fourteenth, twenty fifteen'],
  ['2021-05-03', 'May third, twenty twenty-one'],
  ['3 May 2021', 'the third of May, twenty twenty-one'],
  ['the 3rd of May', 'the third of May'],
  ['in May 2021', 'in May twenty twenty-one'],
  ['You may 3 times', 'You may three times'],
  ['at 3:45 pm', 'at three forty-five p-m'],
  ['10:00', "ten o'clock"],
  ['10:05', 'ten oh five'],
  ['14:00', 'fourteen hundred'],
  ['10:30:15', 'ten thirty and fifteen seconds'],
  ['3pm', 'three p-m'],
  ['We met at 5 p.m. Then we left.', 'We met at five p-m. Then we left.'],
  ['at 5 p.m. tomorrow', 'at five p-m tomorrow'],
  ['Score: 3:2', 'Score: three to two'],
];

const units: Case[] = [
  ['5 km', 'five kilometers'],
  ['1 km', 'one kilometer'],
  ['2.5 kg', 'two point five kilograms'],
  ['20°C', 'twenty degrees Celsius'],
  ['1 °C', 'one degree Celsius'],
  ['98.6°F', 'ninety-eight point six degrees Fahrenheit'],
  ['−5 °C', 'minus five degrees Celsius'],
  ['60 mph', 'sixty miles per hour'],
  ['100 km/h', 'one hundred kilometers per hour'],
  ['6 ft tall', 'six feet tall'],
  ['50 m2', 'fifty square meters'],
  ['16 GB', 'sixteen gigabytes'],
  ['50%', 'fifty percent'],
  ['3.5 %', 'three point five percent'],
  ['5-10%', 'five to ten percent'],
  ['3-5 km', 'three to five kilometers'],
  ['5 monkeys', 'five monkeys'],
];

const words: Case[] = [
  ['Chapter IV', 'Chapter four'],
  ['CHAPTER XII', 'CHAPTER twelve'],
  ['Part I.', 'Part one.'],
  ['Henry VIII', 'Henry the eighth'],
  ['Louis XIV and Elizabeth II', 'Louis the fourteenth and Elizabeth the second'],
  ['World War II ended.', 'World War two ended.'],
  ['World War I was long.', 'World War one was long.'],
  ["Henry VIII's wives", "Henry the eighth's wives"],
  ['Super Bowl LV', 'Super Bowl fifty-five'],
  ['Vol. III', 'Volume three'],
  ['IV.', 'four.'],
  ['I think I can.', 'I think I can.'],
  ['In Chapter I explain it.', 'In Chapter I explain it.'],
  ['Malcolm X spoke.', 'Malcolm X spoke.'],
  ['Dr. Smith lives on Elm St. near St. Paul.', 'Doctor Smith lives on Elm Street near Saint Paul.'],
  ['Main St. Then we left.', 'Main Street. Then we left.'],
  ['Elm Dr. is closed.', 'Elm Drive is closed.'],
  ['Mr. and Mrs. Smith met Ms. Jones and Prof. Lee.', 'Mister and Missus Smith met Miz Jones and Professor Lee.'],
  ['Martin Luther King Jr. was born.', 'Martin Luther King Junior was born.'],
  ['Tom vs. Jerry', 'Tom versus Jerry'],
  ['Roe v. Wade', 'Roe versus Wade'],
  ['e.g. this, i.e. that', 'for example this, that is that'],
  ['apples, pears, etc. are fruit.', 'apples, pears, et cetera are fruit.'],
  ['We sell pears, etc. The end.', 'We sell pears, et cetera. The end.'],
  ['Apple Inc. The company.', 'Apple Incorporated. The company.'],
  ['U.S.A. is big. The end.', 'U-S-A is big. The end.'],
  ['I moved to the U.S. The weather was fine.', 'I moved to the U-S. The weather was fine.'],
  ['The U.S. Army', 'The U-S Army'],
  ['John F. Kennedy', 'John F Kennedy'],
  ['a Ph.D. student', 'a P-H-D student'],
  ['FBI and NASA', 'F-B-I and NASA'],
  ["the FBI's files and the CDs", "the F-B-I's files and the C-D's"],
  ['The HTML spec', 'The H-T-M-L spec'],
  ['NATO and UNESCO', 'NATO and UNESCO'],
  ['OK then', 'okay then'],
  ['STOP RIGHT THERE NOW', 'stop right there now'],
  // "St." before a name is Saint, whatever stands before it; after a name or number, with no name following, Street.
  ['Mrs. St. Clair was there.', 'Missus Saint Clair was there.'],
  ['It was Neville St. Clair.', 'It was Neville Saint Clair.'],
  ['Mount St. Helens', 'Mount Saint Helens'],
  ['Pall Mall, St. James\'s', 'Pall Mall, Saint James\'s'],
  ['I live at 42 Baker St.', 'I live at forty-two Baker Street.'],
  ['42 Baker St. is the address.', 'forty-two Baker Street is the address.'],
  ['Mr. Smith, Dr. Jones and I', 'Mister Smith, Doctor Jones and I'],
  // Capitals that spell a word are read as one; initialisms keep being spelled.
  ['OW, that hurt!', 'OW, that hurt!'],
  ['She said NO.', 'She said NO.'],
  ['STOP that.', 'STOP that.'],
  ['WOW, a VIP at the door!', 'WOW, a V-I-P at the door!'],
  ['I did NOT say YES.', 'I did NOT say YES.'],
  ['WHY me?', 'WHY me?'],
  ['The BBC, the FBI and the USA', 'The B-B-C, the F-B-I and the U-S-A'],
  ['the CIA and the CEO of IBM', 'the C-I-A and the C-E-O of I-B-M'],
  ['HIV tests and the EIN', 'H-I-V tests and the E-I-N'],
  ['The IT desk in the US', 'The I-T desk in the U-S'],
  ['WAR AND PEACE', 'war and peace'],
];

const symbolsAndWeb: Case[] = [
  ['A & B', 'A and B'],
  ['AT&T', 'A-T and T'],
  ['2+2=4', 'two plus two equals four'],
  ['C++', 'C plus plus'],
  ['@user', 'at user'],
  ['#hashtag', 'hashtag hashtag'],
  ['and/or his/her', 'and or his or her'],
  ['x (see below) y', 'x, see below, y'],
  ['© 2020', 'copyright twenty twenty'],
  ['Visit https://www.example.com/path?q=1.', 'Visit w-w-w dot example dot com slash path question mark q equals one.'],
  ['See example.org for more', 'See example dot org for more'],
  ['Mail john.doe@example.com today', 'Mail john dot doe at example dot com today'],
  ['Node.js is not a site', 'Node.js is not a site'],
  ['Call (555) 123-4567 now', 'Call five five five, one two three, four five six seven now'],
  ['Call 555-123-4567.', 'Call five five five, one two three, four five six seven.'],
  ['1-800-555-1234', 'one, eight zero zero, five five five, one two three four'],
  ['+44 20 7946 0958', 'plus four four, two zero, seven nine four six, zero nine five eight'],
  ['555-1234', 'five five five, one two three four'],
];

const cleanup: Case[] = [
  ['', ''],
  ['   \n\t  ', ''],
  ['...', '...'],
  ['“Hello,” she said—‘quietly’…', '"Hello," she said — \'quietly\'...'],
  ['Wait -- what?', 'Wait — what?'],
  ['a\u00A0b\u200Bc\u0007d', 'a bcd'],
  ['I love pizza 🍕!', 'I love pizza!'],
  ['👍🏽 Great 🇫🇷 trip', 'Great trip'],
  ['ﬁne ligature', 'fine ligature'],
  ['Line one.\r\n\r\n\r\nLine two.', 'Line one.\n\nLine two.'],
  ['Spaces    everywhere .', 'Spaces everywhere.'],
  ['café naïve', 'café naïve'],
  ['Marbury _vs._ Madison', 'Marbury versus Madison'],
  ['=Land Tenure.=--Coman', 'Land Tenure. — Coman'],
  ['**bold** and *italic*', 'bold and italic'],
  ['snake_case and x = y', 'snake case and x equals y'],
];

// Found in real Project Gutenberg text (shared data: gutenberg-mix.txt).
const books: Case[] = [
  ['CONTENTS', 'contents'],
  ['II. The Red-Headed League', 'two. The Red-Headed League'],
  ['I. A Scandal in Bohemia', 'one. A Scandal in Bohemia'],
  ['ADVENTURE I. A SCANDAL IN BOHEMIA', 'adventure one. A scandal in bohemia'],
  ['SIR ARTHUR CONAN DOYLE', 'sir arthur conan doyle'],
  ['BY', 'by'],
  ['MR. SHERLOCK HOLMES', 'Mister sherlock holmes'],
  ['EBook #1661', 'EBook number one thousand six hundred sixty-one'],
  ['see paragraph 1.E.8.', 'see paragraph one E eight.'],
  ['STRAND, W.C.2', 'STRAND, W-C two'],
  ['*** START OF THE PROJECT ***', 'start of the project'],
  ['Release Date: March, 1999', 'Release Date: March nineteen ninety-nine'],
];

const huge: Case[] = [
  ['123456789012345678901', 'one two three four five six seven eight nine zero one two three four five six seven eight nine zero one'],
  ['1234567890123456', 'one two three four five six seven eight nine zero one two three four five six'],
  [
    '999,999,999,999,999,999,999',
    ['quintillion', 'quadrillion', 'trillion', 'billion', 'million', 'thousand', '']
      .map((scale) => `nine hundred ninety-nine${scale ? ` ${scale}` : ''}`).join(' '),
  ],
];

const tables: Record<string, Case[]> = { numbers, years, money, datesAndTimes, units, words, symbolsAndWeb, cleanup, books, huge };

describe('normalizeText', () => {
  for (const [name, cases] of Object.entries(tables)) {
    it.each(cases)(`${name}: %j -> %j`, (input, expected) => {
      expect(normalizeText(input)).toBe(expected);
    });
  }

  it('has at least 80 table cases', () => {
    expect(Object.values(tables).flat().length).toBeGreaterThanOrEqual(80);
  });

  it('reads ambiguous numeric dates day first when asked', () => {
    expect(normalizeText('03/04/2021')).toBe('March fourth, twenty twenty-one');
    expect(normalizeText('03/04/2021', { dateOrder: 'dmy' })).toBe('April third, twenty twenty-one');
  });

  it('leaves acronyms alone when spelling is switched off', () => {
    expect(normalizeText('The FBI', { spellAcronyms: false })).toBe('The FBI');
  });

  it('keeps paragraph breaks and sentence punctuation', () => {
    expect(normalizeText('Is it $5?\n\nYes; it is!')).toBe('Is it five dollars?\n\nYes; it is!');
  });

  it('rejects what is not a string, naming the parameter', () => {
    for (const bad of [null, undefined, 42, {}]) {
      let caught: unknown;
      try {
        normalizeText(bad as unknown as string);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(ParlaError);
      expect((caught as ParlaError).code).toBe('invalid_input');
      expect((caught as ParlaError).param).toBe('text');
    }
    expect(() => normalizeText('x', { dateOrder: 'ymd' as 'mdy' })).toThrow(/dateOrder/);
  });

  it('never leaves a digit behind in ordinary prose', () => {
    const text = 'On 4/5/2020 at 9:30 am, 3 of 12 guests paid $7.25 for 2.5 kg (about 15%) at No. 10 Elm St., 2nd floor.';
    const out = normalizeText(text);
    expect(out).not.toMatch(/\d/);
    expect(out).toBe(
      'On April fifth, twenty twenty at nine thirty a-m, three of twelve guests paid seven dollars and twenty-five cents ' +
        'for two point five kilograms, about fifteen percent, at number ten Elm Street, second floor.',
    );
  });

  it('normalizes a book-sized text in seconds', () => {
    const paragraph =
      'On May 3, 2021, Dr. Smith paid $42.50 for 3.5 kg of apples at 10:30 am. In 1999 the U.S. Army had 1,234 ' +
      'vehicles, i.e. about 12% more. Chapter IV begins; see https://example.com/a for details, or call 555-123-4567!\n\n';
    const book = paragraph.repeat(Math.ceil(1_000_000 / paragraph.length)); // about 1 MB, a long novel
    const started = performance.now();
    const out = normalizeText(book);
    const seconds = (performance.now() - started) / 1000;
    expect(out).not.toMatch(/\d/);
    expect(seconds).toBeLessThan(10);
  });
});

describe('normalizeText on hostile input', () => {
  // Each about 40,000 characters; a pattern that backtracks quadratically would take minutes here.
  const hostile: Array<[string, string]> = [
    ['dotted letters', 'a.'.repeat(20_000)],
    ['dotted capitals', 'A.'.repeat(20_000)],
    ['one long number', '7'.repeat(40_000)],
    ['number chain', '1-'.repeat(20_000)],
    ['comma digits', '1,'.repeat(20_000)],
    ['colon digits', '12:'.repeat(13_000)],
    ['slashes', '1/'.repeat(20_000)],
    ['schemes', 'http://'.repeat(6_000)],
    ['at signs', 'x@'.repeat(20_000)],
    ['only punctuation', '?!.,;:'.repeat(7_000)],
    ['emoji only', '😀🎉'.repeat(10_000)],
    ['abbreviations', 'St. Dr. Mr. '.repeat(3_500)],
  ];
  it.each(hostile)('%s finishes fast and leaves no digits', (_name, text) => {
    const started = performance.now();
    const out = normalizeText(text);
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(out).not.toMatch(/\d/);
  });
});

describe('normalizeText on real books', () => {
  it('leaves only letters and sentence punctuation in Project Gutenberg text', () => {
    const text = readFileSync(resolve(sharedData, 'text/gutenberg-mix.txt'), 'utf8').slice(0, 1_000_000);
    const out = normalizeText(text);
    const leftovers = out.match(/[^\p{L}\s.,?!;:'"—-]/gu) ?? [];
    expect([...new Set(leftovers)]).toEqual([]);
    const sentences = splitSentences(out);
    expect(sentences.length).toBeGreaterThan(5_000);
    // Dialogue-heavy fiction: a sentence is seldom more than a few hundred characters.
    const long = sentences.filter((s) => s.length > 1_000);
    expect(long.length).toBeLessThan(sentences.length / 500);
  });
});

describe('number words', () => {
  it.each([
    [0, 'zero'], [13, 'thirteen'], [99, 'ninety-nine'], [101, 'one hundred one'], [1000001, 'one million one'],
    ['1000000000000000000000000000000000', 'one decillion'],
  ] as Array<[number | string, string]>)('cardinal(%j) = %j', (n, words) => {
    expect(cardinal(n)).toBe(words);
  });

  it.each([[1, 'first'], [12, 'twelfth'], [20, 'twentieth'], [43, 'forty-third'], [1000, 'one thousandth']])(
    'ordinal(%j) = %j', (n, words) => expect(ordinal(n)).toBe(words),
  );

  it.each([[1900, 'nineteen hundred'], [1909, 'nineteen oh nine'], [2000, 'two thousand'], [2099, 'twenty ninety-nine'], [1000, 'one thousand']])(
    'yearWords(%j) = %j', (n, words) => expect(yearWords(n)).toBe(words),
  );

  it('reads integers beyond decillions digit by digit instead of throwing', () => {
    expect(cardinal('1'.repeat(40))).toBe(Array(40).fill('one').join(' '));
    expect(() => cardinal('12a')).toThrow(RangeError);
  });
});
