// EPUB reading: the real Alice EPUB from shared data, plus EPUBs zipped by the test for EPUB 2 NCX, fragments, DRM and damage.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { strToU8, zipSync, type Zippable } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBook } from '../src/book/read-book.js';
import { readEpub } from '../src/book/epub-reader.js';
import { isParlaError, type ParlaErrorCode } from '../src/errors.js';

const repoRoot = path.resolve(import.meta.dirname, '..');
const sharedData = process.env.PARLA_SHARED_DATA ?? path.resolve(repoRoot, '../shared/data');
const alicePath = path.join(sharedData, 'books', 'alice.epub');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'parla-book-epub-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function expectParlaError(fn: () => unknown, code: ParlaErrorCode, message: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(isParlaError(caught), `expected ParlaError ${code}, got ${String(caught)}`).toBe(true);
  if (isParlaError(caught)) {
    expect(caught.code, caught.message).toBe(code);
    expect(caught.message).toMatch(message);
  }
}

const xhtml = (title: string, body: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"><head><title>${title}</title></head><body>${body}</body></html>`;

interface EpubSpec {
  version?: '2.0' | '3.0';
  metadata?: string;
  /** file name (under OEBPS/) -> content */
  docs: Record<string, string>;
  /** spine order; `!name` marks linear="no" */
  spine: string[];
  nav?: string;
  ncx?: string;
  extraManifest?: string;
  extraFiles?: Record<string, Uint8Array>;
}

/** Zips an EPUB the way the spec wants it: `mimetype` first and stored, container.xml, OPF, documents. */
function makeEpub(name: string, spec: EpubSpec): string {
  const manifest = Object.keys(spec.docs).map((f) => `<item id="${f.replace(/\W/g, '_')}" href="${f}" media-type="application/xhtml+xml"/>`);
  if (spec.nav) manifest.push('<item id="nav" href="nav.xhtml" properties="nav" media-type="application/xhtml+xml"/>');
  if (spec.ncx) manifest.push('<item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>');
  const spine = spec.spine.map((s) => `<itemref idref="${s.replace(/^!/, '').replace(/\W/g, '_')}"${s.startsWith('!') ? ' linear="no"' : ''}/>`);
  const opf = `<?xml version="1.0"?>
<package xmlns="http://www.idpf.org/2007/opf" version="${spec.version ?? '3.0'}" unique-identifier="id">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:opf="http://www.idpf.org/2007/opf">${spec.metadata ?? '<dc:title>Test Book</dc:title>'}</metadata>
  <manifest>${manifest.join('')}${spec.extraManifest ?? ''}</manifest>
  <spine${spec.ncx ? ' toc="ncx"' : ''}>${spine.join('')}</spine>
</package>`;
  const files: Zippable = {
    mimetype: [strToU8('application/epub+zip'), { level: 0 }],
    'META-INF/container.xml': strToU8(
      '<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>',
    ),
    'OEBPS/content.opf': strToU8(opf),
  };
  for (const [f, content] of Object.entries(spec.docs)) files[`OEBPS/${f}`] = strToU8(content);
  if (spec.nav) files['OEBPS/nav.xhtml'] = strToU8(spec.nav);
  if (spec.ncx) files['OEBPS/toc.ncx'] = strToU8(spec.ncx);
  Object.assign(files, spec.extraFiles ?? {});
  const file = path.join(dir, name);
  writeFileSync(file, zipSync(files));
  return file;
}

const nav = (links: [string, string][]): string =>
  xhtml('Contents', `<nav epub:type="toc"><ol>${links.map(([href, t]) => `<li><a href="${href}">${t}</a></li>`).join('')}</ol></nav>`);

describe('alice.epub (real EPUB 3 from shared data)', () => {
  const book = readEpub(alicePath);

  it('reads title, author, language and cover from the OPF', () => {
    expect(book.title).toBe("Alice's Adventures in Wonderland");
    expect(book.author).toBe('Lewis Carroll');
    expect(book.language).toBe('en-US');
    expect(book.cover?.mime).toBe('image/jpeg');
    expect(book.cover?.data.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    expect(book.cover?.data.length).toBe(36192); // images/cover_th.jpg, properties="cover-image"
  });

  it('has one chapter per nav entry, with the nav titles, in order', () => {
    // The nav lists 11 entries: the title page and this edition's 10 chapters (cover and nav page are linear="no").
    expect(book.chapters.map((c) => c.title)).toEqual([
      'Title Page',
      'Down The Rabbit-Hole',
      'The Pool Of Tears',
      'A Caucus-Race And A Long Tale',
      'The Rabbit Sends In A Little Bill',
      'Advice From A Caterpillar',
      'Pig And Pepper',
      'A Mad Tea-Party',
      "The Queen's Croquet Ground",
      'Who Stole The Tarts?',
      "Alice's Evidence",
    ]);
    expect(book.chapters.map((c) => c.index)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('marks the title page as front matter and nothing else', () => {
    expect(book.chapters.filter((c) => c.isFrontMatter).map((c) => c.title)).toEqual(['Title Page']);
    expect(book.chapters.some((c) => c.isBackMatter)).toBe(false);
  });

  it('extracts the running text without the repeated heading, images or page anchors', () => {
    const ch1 = book.chapters[1];
    expect(ch1.paragraphs[0]).toMatch(/^Alice was beginning to get very tired of sitting by her sister on the bank/);
    expect(ch1.paragraphs).not.toContain('Down The Rabbit-Hole');
    for (const c of book.chapters.slice(1)) {
      const words = c.paragraphs.join(' ').split(' ').length;
      expect(words, c.title).toBeGreaterThan(400);
      for (const p of c.paragraphs) expect(p, c.title).not.toMatch(/<|>|\s{2}|Illo\d|\[Pg/);
    }
    expect(book.chapters[10].paragraphs.at(-1)).toMatch(/what a wonderful dream it had been\.$/);
  });

  it('is what readBook returns for an .epub path', () => {
    expect(readBook(alicePath).chapters.length).toBe(11);
  });
});

describe('EPUBs made by the test', () => {
  it('EPUB 2 with only an NCX: chapters and nested entries from navPoints, author by opf:role, cover by <meta name="cover">', () => {
    const ncx = `<?xml version="1.0"?><ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1"><navMap>
      <navPoint id="p1" playOrder="1"><navLabel><text>Part One</text></navLabel><content src="part1.xhtml"/>
        <navPoint id="c1" playOrder="2"><navLabel><text>Chapter 1</text></navLabel><content src="c1.xhtml"/></navPoint>
        <navPoint id="c2" playOrder="3"><navLabel><text>Chapter 2</text></navLabel><content src="c2.xhtml"/></navPoint>
      </navPoint></navMap></ncx>`;
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
    const file = makeEpub('epub2.epub', {
      version: '2.0',
      metadata:
        '<dc:title>Two Point Oh</dc:title><dc:creator opf:role="aut">Ann Author</dc:creator><dc:creator opf:role="ill">Ivy Illustrator</dc:creator><dc:language>fr</dc:language><meta name="cover" content="cov"/>',
      docs: {
        'part1.xhtml': xhtml('P1', '<h1>Part One</h1><p>The part begins.</p>'),
        'c1.xhtml': xhtml('C1', '<h2>Chapter 1</h2><p>First text.</p>'),
        'c2.xhtml': xhtml('C2', '<h2>Chapter 2</h2><p>Second text.</p>'),
      },
      spine: ['part1.xhtml', 'c1.xhtml', 'c2.xhtml'],
      ncx,
      extraManifest: '<item id="cov" href="images/front.png" media-type="image/png"/>',
      extraFiles: { 'OEBPS/images/front.png': png },
    });
    const book = readEpub(file);
    expect(book).toMatchObject({ title: 'Two Point Oh', author: 'Ann Author', language: 'fr' });
    expect(book.cover).toEqual({ data: Buffer.from(png), mime: 'image/png' });
    expect(book.chapters.map((c) => [c.title, c.paragraphs])).toEqual([
      ['Part One', ['The part begins.']],
      ['Chapter 1', ['First text.']],
      ['Chapter 2', ['Second text.']],
    ]);
  });

  it('nav entries pointing at fragments split one file; an entry spanning several spine files takes them all', () => {
    const file = makeEpub('fragments.epub', {
      docs: {
        'all.xhtml': xhtml('All', '<p>Opening words.</p><h2 id="one">One</h2><p>Text of one.</p><section id="two"><h2>Two</h2><p>Text of two.</p></section>'),
        'three-a.xhtml': xhtml('3a', '<h2>Three</h2><p>Three, first file.</p>'),
        'three-b.xhtml': xhtml('3b', '<p>Three, second file.</p>'),
        'popup.xhtml': xhtml('Pop', '<p>Never read: non-linear and not in the toc.</p>'),
      },
      spine: ['all.xhtml', 'three-a.xhtml', '!popup.xhtml', 'three-b.xhtml'],
      nav: nav([
        ['all.xhtml#one', 'One'],
        ['all.xhtml#two', 'Two'],
        ['three-a.xhtml', 'Three'],
      ]),
    });
    const book = readEpub(file);
    expect(book.chapters.map((c) => ({ t: c.title, p: c.paragraphs, f: !!c.isFrontMatter }))).toEqual([
      { t: 'All', p: ['Opening words.'], f: true }, // before the first toc entry
      { t: 'One', p: ['Text of one.'], f: false },
      { t: 'Two', p: ['Text of two.'], f: false },
      { t: 'Three', p: ['Three, first file.', 'Three, second file.'], f: false },
    ]);
  });

  it('text extraction: drops scripts, styles, images and footnote references, keeps link text, not URLs', () => {
    const body = `<style>p{color:red}</style><script>var x = "never spoken";</script>
      <h1>Notes</h1>
      <p>A claim<a epub:type="noteref" href="#n1">1</a> and another<sup><a href="notes.xhtml#n2">[2]</a></sup> and a third<a href="#n3">[3]</a>.</p>
      <p>See <a href="https://example.com/page">the example site</a> for&nbsp;more<img src="x.png" alt="a picture"/>.</p>
      <p>E = mc<sup>2</sup> stays.</p>
      <aside epub:type="footnote" id="n1"><p>The footnote body.</p></aside>
      <pre><code>const code = 1;</code></pre>`;
    const file = makeEpub('text.epub', { docs: { 'c.xhtml': xhtml('C', body) }, spine: ['c.xhtml'], nav: nav([['c.xhtml', 'Notes']]) });
    expect(readEpub(file).chapters[0].paragraphs).toEqual(['A claim and another and a third.', 'See the example site for more.', 'E = mc2 stays.']);
  });

  it('no table of contents: one chapter per linear spine document, titled by its first heading', () => {
    const file = makeEpub('spine.epub', {
      docs: { 'a.xhtml': xhtml('Doc A', '<h1>Alpha</h1><p>a</p>'), 'b.xhtml': xhtml('Doc B', '<p>b</p>') },
      spine: ['a.xhtml', 'b.xhtml'],
    });
    expect(readEpub(file).chapters.map((c) => [c.title, c.paragraphs])).toEqual([
      ['Alpha', ['a']],
      ['Doc B', ['b']],
    ]);
  });

  it('front and back matter: cover, copyright, contents by title or epub:type; Project Gutenberg header and license', () => {
    const file = makeEpub('matter.epub', {
      docs: {
        'cover.xhtml': xhtml('Cover', '<p>The Book</p>'),
        'copy.xhtml': xhtml('Rights', '<section epub:type="copyright-page"><p>Copyright 2020.</p><p>All rights reserved.</p></section>'),
        'pg.xhtml': xhtml('PG', '<p>The Project Gutenberg eBook of The Book</p><p>*** START OF THE PROJECT GUTENBERG EBOOK THE BOOK ***</p><p>It was a dark night.</p>'),
        'end.xhtml': xhtml('End', '<p>The end.</p><p>*** END OF THE PROJECT GUTENBERG EBOOK THE BOOK ***</p><p>Updated editions will replace the previous one.</p>'),
        'lic.xhtml': xhtml('License', '<p>THE FULL PROJECT GUTENBERG LICENSE text.</p>'),
      },
      spine: ['cover.xhtml', 'copy.xhtml', 'pg.xhtml', 'end.xhtml', 'lic.xhtml'],
      nav: nav([
        ['cover.xhtml', 'Cover'],
        ['copy.xhtml', 'Imprint page'],
        ['pg.xhtml', 'Chapter 1'],
        ['end.xhtml', 'Chapter 2'],
        ['lic.xhtml', 'Full License'],
      ]),
    });
    const summary = readEpub(file).chapters.map((c) => `${c.title}:${c.isFrontMatter ? 'front' : c.isBackMatter ? 'back' : 'body'}`);
    expect(summary).toEqual([
      'Cover:front',
      'Imprint page:front', // by epub:type copyright-page
      'Project Gutenberg header:front',
      'Chapter 1:body',
      'Chapter 2:body',
      'Project Gutenberg license:back',
      'Full License:back', // everything after the END marker
    ]);
  });
});

describe('bad EPUBs', () => {
  it.each([
    ['not a zip at all', Buffer.from('this is plain text, not a zip archive'), /corrupt\.epub is not a readable EPUB\/zip file/],
    ['a truncated zip', undefined, /truncated\.epub is not a readable EPUB\/zip file/],
  ])('%s -> invalid_input naming the file', (_, bytes, message) => {
    const name = bytes ? 'corrupt.epub' : 'truncated.epub';
    const good = makeEpub('good.epub', { docs: { 'a.xhtml': xhtml('A', '<p>a</p>') }, spine: ['a.xhtml'] });
    const data = bytes ?? readFileSync(good).subarray(0, 200);
    const file = path.join(dir, name);
    writeFileSync(file, data);
    expectParlaError(() => readEpub(file), 'invalid_input', message);
  });

  it('missing container.xml -> invalid_input saying so', () => {
    const file = path.join(dir, 'nocontainer.epub');
    writeFileSync(file, zipSync({ mimetype: strToU8('application/epub+zip'), 'a.txt': strToU8('x') }));
    expectParlaError(() => readEpub(file), 'invalid_input', /META-INF\/container\.xml is missing/);
  });

  const encryption = (algorithm: string, uri: string): Uint8Array =>
    strToU8(`<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" xmlns:enc="http://www.w3.org/2001/04/xmlenc#">
      <enc:EncryptedData><enc:EncryptionMethod Algorithm="${algorithm}"/><enc:CipherData><enc:CipherReference URI="${uri}"/></enc:CipherData></enc:EncryptedData></encryption>`);

  it.each([
    ['encryption.xml encrypting content', { 'META-INF/encryption.xml': encryption('http://www.w3.org/2001/04/xmlenc#aes128-cbc', 'OEBPS/a.xhtml') }, /DRM-protected.*encrypts 1 file\(s\), e\.g\. OEBPS\/a\.xhtml/],
    ['Adobe rights.xml', { 'META-INF/rights.xml': strToU8('<rights/>') }, /DRM-protected \(Adobe DRM: META-INF\/rights\.xml\)/],
    ['Readium LCP licence', { 'META-INF/license.lcpl': strToU8('{}') }, /DRM-protected \(Readium LCP DRM/],
  ])('%s -> unsupported_format saying DRM-protected', (_, extraFiles, message) => {
    const file = makeEpub('drm.epub', { docs: { 'a.xhtml': xhtml('A', '<p>a</p>') }, spine: ['a.xhtml'], extraFiles });
    expectParlaError(() => readEpub(file), 'unsupported_format', message);
  });

  it('font obfuscation alone is not DRM', () => {
    const file = makeEpub('fonts.epub', {
      docs: { 'a.xhtml': xhtml('A', '<p>readable</p>') },
      spine: ['a.xhtml'],
      extraFiles: { 'META-INF/encryption.xml': encryption('http://www.idpf.org/2008/embedding', 'OEBPS/fonts/f.otf') },
    });
    expect(readEpub(file).chapters[0].paragraphs).toEqual(['readable']);
  });

  it('a book without text -> empty_input naming the file', () => {
    const file = makeEpub('empty.epub', { docs: { 'a.xhtml': xhtml('A', '<img src="x.png"/>'), 'b.xhtml': xhtml('B', ' ') }, spine: ['a.xhtml', 'b.xhtml'] });
    expectParlaError(() => readEpub(file), 'empty_input', /empty\.epub contains no readable text/);
  });
});
