/** `parla book` end to end on the tiny fixture model: m4b chapters read back with ffmpeg, subtitles, chapter files, --list, bad inputs. */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { strToU8, zipSync } from 'fflate';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { resolveFfmpeg } from '../src/audio/ffmpeg.js';
import { encodeWav } from '../src/audio/wav.js';
import { parseFfMetadata } from '../src/book/ffmetadata.js';
import { registerBook } from '../src/cli/book.js';
import { isParlaError } from '../src/errors.js';
import { FIXTURE, promptPcm } from './engine-helpers.js';

const ffmpeg = resolveFfmpeg().path;
const ff = (...args: string[]): Buffer => execFileSync(ffmpeg, ['-hide_banner', '-loglevel', 'error', ...args], { maxBuffer: 1 << 28 });

/** Three short chapters: the fixture's noise runs to its length limit, so short text keeps the test fast. */
const BOOK = '# Tiny Tales\n\n## Alpha\n\nGo now.\n\n## Beta\n\nSit.\n\nStay.\n\n## Gamma\n\nRun!\n';
let dir: string;
let bookPath: string;
let promptWav: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'parla-cli-book-'));
  bookPath = join(dir, 'tales.md');
  writeFileSync(bookPath, BOOK);
  promptWav = join(dir, 'prompt.wav');
  writeFileSync(promptWav, encodeWav(promptPcm(), 16000));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

/** Runs `parla book ...args` in-process, as main.ts does: exit code, stdout, stderr. */
async function book(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...p: unknown[]) => void out.push(p.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...p: unknown[]) => void err.push(p.join(' ')));
  vi.spyOn(process.stderr, 'write').mockImplementation(((c: string | Uint8Array) => (err.push(String(c)), true)) as typeof process.stderr.write);
  const program = new Command().name('parla').exitOverride().configureOutput({ writeErr: (s) => err.push(s), writeOut: (s) => out.push(s) });
  registerBook(program);
  let code = 0;
  try {
    await program.parseAsync(['node', 'parla', 'book', ...args]);
  } catch (e) {
    if (e instanceof CommanderError) code = e.exitCode;
    else if (isParlaError(e)) {
      err.push(`parla: ${e.message}`);
      code = 1;
    } else throw e;
  }
  vi.restoreAllMocks();
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

const FIXTURE_ARGS = (): string[] => ['-m', FIXTURE, '--voice', promptWav, '--threads', '1', '--gate', 'silence,clipping'];

describe('parla book end to end (tiny fixture model)', () => {
  let m4b: string;
  let run: { code: number; stdout: string; stderr: string };
  beforeAll(async () => {
    m4b = join(dir, 'tales.m4b');
    run = await book(bookPath, ...FIXTURE_ARGS(), '-o', m4b, '--subtitles', 'srt', '--pause-chapter', '500');
  });

  it('writes an m4b with one marker per chapter, the right titles, and durations equal to the chapter audio', () => {
    expect(run.code, run.stderr).toBe(0);
    const meta = parseFfMetadata(ff('-i', m4b, '-f', 'ffmetadata', 'pipe:1').toString());
    expect(meta.chapters.map((c) => c.title)).toEqual(['Alpha', 'Beta', 'Gamma']);
    expect(meta.tags).toMatchObject({ title: 'Tiny Tales', album: 'Tiny Tales', composer: 'prompt', genre: 'Audiobook' });
    // Each chapter: 0.5 s lead-in, then every chunk (title and one-sentence paragraphs) followed by a 0.7 s paragraph pause.
    const journal = readFileSync(join(`${m4b}.parla-job`, 'journal.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string; samples: number });
    const seconds = [1, 2, 3].map((ch) => {
      const chunks = journal.filter((e) => e.id.startsWith(`c000${ch}-`));
      return 0.5 + chunks.reduce((n, e) => n + e.samples / 16000 + 0.7, 0);
    });
    meta.chapters.forEach((c, i) => expect((c.endMs - c.startMs) / 1000).toBeCloseTo(seconds[i], 2));
    expect(seconds[1]).toBeGreaterThan(0.5 + 3 * 0.7);
  });

  it('summarizes chapters, speed and the gate, and writes sentence subtitles in book time', () => {
    expect(run.stderr).toMatch(/3 chapter\(s\), 0:00:\d\d of audio/);
    expect(run.stderr).toMatch(/chunks: 7 \(7 synthesized now, 0 from the job journal/);
    expect(run.stderr).toMatch(/speed: [\d.]+ chars\/s, RTF [\d.]+/);
    expect(run.stderr).toMatch(/quality gate: every chunk passed/);
    const srt = readFileSync(join(dir, 'tales.srt'), 'utf8');
    const texts = srt.split('\n\n').map((cue) => cue.split('\n').slice(2).join(' ').trim());
    expect(texts).toEqual(['Alpha', 'Go now.', 'Beta', 'Sit.', 'Stay.', 'Gamma', 'Run!']);
    expect(srt).toMatch(/^1\n00:00:00,500 --> /); // first cue starts after the 0.5 s chapter lead-in
  });

  it('a second run finds every chunk in the journal and synthesizes nothing', async () => {
    const again = await book(bookPath, ...FIXTURE_ARGS(), '-o', m4b);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/chunks: 7 \(0 synthesized now, 7 from the job journal/);
  });

  it('a changed setting is refused, naming it, with the --restart hint; --restart starts over', async () => {
    const changed = await book(bookPath, ...FIXTURE_ARGS(), '-o', m4b, '--seed', '7', '--chapters', '2');
    expect(changed.code).toBe(1);
    expect(changed.stderr).toMatch(/belongs to another job: the settings changed \(seed 1234 -> 7\).*--restart/);
    const restarted = await book(bookPath, ...FIXTURE_ARGS(), '-o', m4b, '--seed', '7', '--chapters', '2', '--restart');
    expect(restarted.code, restarted.stderr).toBe(0);
    expect(restarted.stderr).toMatch(/chunks: 3 \(3 synthesized now, 0 from the job journal/);
  });

  it('--out-dir writes one flac per selected chapter, with subtitles', async () => {
    const outDir = join(dir, 'flac');
    const r = await book(bookPath, ...FIXTURE_ARGS(), '--out-dir', outDir, '--format', 'flac', '--chapters', '1,3', '--subtitles', 'vtt');
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(outDir).filter((f) => !f.startsWith('.')).sort()).toEqual(['01 - Alpha.flac', '01 - Alpha.vtt', '02 - Gamma.flac', '02 - Gamma.vtt']);
    expect(readFileSync(join(outDir, '02 - Gamma.vtt'), 'utf8')).toMatch(/^WEBVTT\n\n00:00:01\.200 --> [\d:.]+\nGamma\n/);
  });
});

describe('parla book --list and bad input', () => {
  it('--list prints the chapters without loading a model', async () => {
    const r = await book(bookPath, '--list', '-m', join(dir, 'no-model'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Tiny Tales\n +# +words +min +title\n +1 +2 +[\d.]+ +Alpha\n +2 +2 +[\d.]+ +Beta\n +3 +1 +[\d.]+ +Gamma\n3 chapters/);
  });

  it.each([
    ['corrupt EPUB', () => {
      const p = join(dir, 'broken.epub');
      writeFileSync(p, 'PK\u0003\u0004 this is not a zip');
      return [p, '-o', join(dir, 'x.m4b')];
    }, /broken\.epub/],
    ['DRM EPUB', () => drmEpub(), /DRM/],
    ['empty book', () => {
      const p = join(dir, 'empty.md');
      writeFileSync(p, '   \n\n');
      return [p, '-o', join(dir, 'x.m4b')];
    }, /empty\.md contains no readable text/],
    ['a book of emoji and punctuation', () => {
      const p = join(dir, 'emoji.md');
      writeFileSync(p, '😀😀 !!!\n\n... 🙂\n');
      return [p, '-o', join(dir, 'x.m4b')];
    }, /emoji\.md contains no readable text/],
    ['missing book', () => [join(dir, 'nope.md'), '-o', join(dir, 'x.m4b')], /cannot read book .*nope\.md/],
    ['unknown chapter range', () => [bookPath, '-o', join(dir, 'x.m4b'), '--chapters', '2-9'], /chapter spec "2-9": chapter 9 does not exist; valid chapters are 1-3/],
    ['no output', () => [bookPath], /an output is required: -o book\.m4b, or --out-dir/],
    ['non-m4b output', () => [bookPath, '-o', join(dir, 'x.mp3')], /use --out-dir for mp3\/opus\/flac/],
    ['unwritable output path', () => [bookPath, '-o', join(dir, 'no', 'such', 'x.m4b')], /cannot write output .*no\/such\/x\.m4b/],
    ['an output that is a folder', () => (mkdirSync(join(dir, 'isdir.m4b'), { recursive: true }), [bookPath, '-o', join(dir, 'isdir.m4b')]), /cannot write output .*isdir\.m4b: it is a folder/],
    ['a --job-dir of other files', () => (mkdirSync(join(dir, 'precious'), { recursive: true }), writeFileSync(join(dir, 'precious', 'notes.txt'), 'mine'), [bookPath, '-o', join(dir, 'x.m4b'), '--job-dir', join(dir, 'precious'), '--restart']), /precious is not a Parla job folder \(it holds notes\.txt\)/],
    ['missing voice', () => [bookPath, '-o', join(dir, 'x.m4b'), '--voice', 'nobody-here'], /nobody-here/],
    ['no voice', () => [bookPath, '-o', join(dir, 'x.m4b'), '--voice', ''], /--voice is required/],
    ['bad --retries', () => [bookPath, '-o', join(dir, 'x.m4b'), '--retries', '-1'], /--retries must be an integer from 0 to 20, got "-1"/],
    ['bad --gate', () => [bookPath, '-o', join(dir, 'x.m4b'), '--gate', 'vibes'], /unknown check "vibes"/],
    ['bad --candidates', () => [bookPath, '-o', join(dir, 'x.m4b'), '--candidates', '9'], /--candidates must be an integer from 1 to 8, got "9"/],
    ['bad --retry-above', () => [bookPath, '-o', join(dir, 'x.m4b'), '--retry-above', '-1'], /--retry-above must be a number >= 0/],
    ['missing lexicon', () => [bookPath, '-o', join(dir, 'x.m4b'), '--lexicon', join(dir, 'nolex.txt')], /cannot read lexicon file .*nolex\.txt/],
  ] as [string, () => string[], RegExp][])('%s: clear error, exit 1, no output', async (_name, args, message) => {
    const a = args();
    const hasVoice = a.includes('--voice');
    const r = await book(...a, '-m', FIXTURE, ...(hasVoice ? [] : ['--voice', promptWav]));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(existsSync(join(dir, 'x.m4b'))).toBe(false);
  });

  // root ignores folder permissions, so this only means something for other users (CI runners usually).
  it.skipIf(process.getuid?.() === 0)('an output folder that cannot be written is refused before any synthesis', async () => {
    const locked = join(dir, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o500);
    try {
      const r = await book(bookPath, ...FIXTURE_ARGS(), '-o', join(locked, 'x.m4b'), '--job-dir', join(dir, 'locked-job'));
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/cannot write output .*locked\/x\.m4b/);
      expect(existsSync(join(dir, 'locked-job'))).toBe(false);
    } finally {
      chmodSync(locked, 0o700);
    }
  });
});

/** A minimal EPUB carrying an Adobe DRM licence file (META-INF/rights.xml): what a store-bought book looks like. */
function drmEpub(): string[] {
  const container = '<?xml version="1.0"?><container xmlns="urn:oasis:names:tc:opendocument:xmlns:container" version="1.0"><rootfiles><rootfile full-path="content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>';
  const p = join(dir, 'drm.epub');
  writeFileSync(p, zipSync({
    mimetype: [strToU8('application/epub+zip'), { level: 0 }],
    'META-INF/container.xml': strToU8(container),
    'META-INF/rights.xml': strToU8('<rights/>'),
    'content.opf': strToU8('<package/>'),
  }));
  return [p, '-o', join(dir, 'x.m4b')];
}
