/** `parla say` end to end on the tiny fixture: files written, greedy speculative on == off, stdout, the "no model" error, bad flags. */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { decodeAudio } from '../src/audio/decode.js';
import { encodeWav } from '../src/audio/wav.js';
import { main } from '../src/cli/main.js';
import { FIXTURE, fixtureCopy, POINTER_FIXTURE, promptPcm } from './engine-helpers.js';

const REPO = resolve(import.meta.dirname, '..');
let dir: string;
let promptWav: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'parla-say-'));
  promptWav = join(dir, 'prompt.wav');
  writeFileSync(promptWav, encodeWav(promptPcm(), 16000));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

/** Runs `parla say ...args` in-process; returns the exit code and what went to stderr. */
async function say(...args: string[]): Promise<{ code: number; stderr: string }> {
  const errors: string[] = [];
  vi.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => void errors.push(parts.join(' ')));
  vi.spyOn(process.stderr, 'write').mockImplementation(((chunk: string | Uint8Array) => (errors.push(String(chunk)), true)) as typeof process.stderr.write);
  process.exitCode = undefined;
  await main(['node', 'parla', 'say', ...args]);
  return { code: Number(process.exitCode ?? 0), stderr: errors.join('\n') };
}

describe('parla say', () => {
  it('writes a wav of whole codec frames with a voice given as an audio file', async () => {
    const out = join(dir, 'out.wav');
    const r = await say('Hi there.', '-m', FIXTURE, '--voice', promptWav, '--seed', '1', '--prompt-text', 'a chirp', '-o', out);
    expect(r).toMatchObject({ code: 0 });
    expect(r.stderr).toMatch(/wrote .*out\.wav \(wav, [\d.]+ s of audio/);
    const pcm = await decodeAudio(out, { sampleRate: 16000 });
    expect(pcm.length).toBeGreaterThan(0);
    expect(pcm.length % 320).toBe(0);
  });

  it("notes, for a voice of the user's own, that a model whose card measured no cloning keeps its timbre", async () => {
    expect((await say('Hi.', '-m', FIXTURE, '--voice', promptWav, '-o', join(dir, 'n0.wav'))).stderr).not.toMatch(/clone/); // no card: no note
    const model = join(dir, 'no-cloning-model');
    cpSync(FIXTURE, model, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(model, 'model.json'), 'utf8'));
    writeFileSync(join(model, 'model.json'), JSON.stringify({ ...manifest, quality: { tts: { 'tts-zeroshot': { similarity: -0.018, similarity_ceiling: 0.624 } } } }));
    const r = await say('Hi.', '-m', model, '--voice', promptWav, '-o', join(dir, 'n1.wav'));
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`parla: note: ${manifest.id} does not clone voices yet (its card: speaker similarity -0.018 to unseen voices, 0.624 between two recordings of one person)`);
  });

  it('greedy: --speculative on and off write identical files', async () => {
    const on = join(dir, 'on.wav');
    const off = join(dir, 'off.wav');
    const common = ['Hi there.', '-m', FIXTURE, '--voice', promptWav, '--temperature', '0'];
    expect((await say(...common, '--speculative', 'on', '-o', on)).code).toBe(0);
    expect((await say(...common, '--speculative', 'off', '-o', off)).code).toBe(0);
    expect(readFileSync(on).equals(readFileSync(off))).toBe(true);
  });

  it('picks the format from the extension (flac through ffmpeg)', async () => {
    const out = join(dir, 'out.flac');
    expect((await say('Hi.', '-m', FIXTURE, '--voice', promptWav, '-o', out)).code).toBe(0);
    expect(readFileSync(out).subarray(0, 4).toString('latin1')).toBe('fLaC');
  });

  it('fails with the clear "no model" message when the model folder has no model.json', async () => {
    const missing = join(dir, 'no-such-model');
    const r = await say('Hello.', '-m', missing, '-o', join(dir, 'x.wav'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`no model at ${missing} (missing model.json)`);
    expect(existsSync(join(dir, 'x.wav'))).toBe(false);
  });

  it.skipIf(existsSync(join(REPO, 'models', 'default', 'model.json')) || process.env.PARLA_MODEL_DIR)('without -m, the missing default model gives the same message', async () => {
    const r = await say('Hello.', '-o', join(dir, 'y.wav'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`no model at ${join(REPO, 'models', 'default')} (missing model.json)`);
  });

  it.each([
    [['--temperature', '-1'], /^parla: --temperature must be/m],
    [['--temperature', 'hot'], /--temperature must be a number/],
    [['--top-p', '1.5'], /--top-p must be in \(0, 1\]/],
    [['--top-p', '0'], /--top-p must be in \(0, 1\]/],
    [['--guidance', '-0.5'], /--guidance must be a number in \[0, 10\]/],
    [['--guidance', 'lots'], /--guidance must be a number/],
    [['--guidance', '0.3'], /--guidance 0.3 needs a phoneme-pointer model/],
    [['--seed', '1.5'], /--seed must be an integer/],
    [['--seed', '4294967297'], /--seed must be an integer from 0 to 2147483647, got "4294967297"/],
    [['--candidates', '9'], /--candidates must be an integer from 1 to 8/],
    [['--threads', '0'], /--threads must be an integer from 1 to 256/],
    [['--ras', 'maybe'], /--ras must be on or off/],
    [['--speculative', 'yes'], /--speculative must be on or off/],
    [['--splice-words', '-1'], /--splice-words must be an integer from 0 to 64/],
    [['--splice-words', '2'], /--splice-words = 2 needs a phoneme-pointer model with an audio reader/],
    [['--retry-above', '-1'], /--retry-above must be a number >= 0/],
    [['--retry-above', 'often'], /--retry-above must be a number/],
    [['--format', 'wma'], /format "wma" is not one of/],
    [['--language', 'fr'], /English only/],
    [['--lexicon', '/nonexistent/lexicon.txt'], /cannot read lexicon file/],
  ])('bad flags %j -> exit 1 naming the flag', async (flags, message) => {
    const r = await say('Hello.', '-m', FIXTURE, '--voice', promptWav, ...flags, '-o', join(dir, 'bad.wav'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
  });

  it('--no-normalize and --lexicon change what is spoken', async () => {
    const lexicon = join(dir, 'lexicon.txt');
    writeFileSync(lexicon, 'Parla /pˈɛɹlɑː/\n');
    const opts = ['-m', FIXTURE, '--voice', promptWav, '--seed', '3', '--speculative', 'off'];
    const runs: Buffer[] = [];
    const cases = [['It costs $5.', []], ['It costs $5.', ['--no-normalize']], ['Parla.', ['--lexicon', lexicon]], ['Parla.', []], ['Parla.', []]] as const;
    for (const [text, extra] of cases) {
      const out = join(dir, `n${runs.length}.wav`);
      expect((await say(text, ...opts, ...extra, '-o', out)).code).toBe(0);
      runs.push(readFileSync(out));
    }
    // A fixed seed is deterministic (runs 3 and 4 agree), so other phonemes in means other audio out.
    expect(runs[3].equals(runs[4])).toBe(true);
    expect(runs[0].equals(runs[1])).toBe(false);
    expect(runs[2].equals(runs[3])).toBe(false);
  });

  it('an unknown voice id lists the valid ones; empty text is refused', async () => {
    const voices = mkdtempSync(join(dir, 'voices-'));
    vi.stubEnv('PARLA_VOICES_DIR', voices);
    const r = await say('Hello.', '-m', FIXTURE, '--voice', 'nobody', '-o', join(dir, 'v.wav'));
    vi.unstubAllEnvs();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unknown voice "nobody"');
    // The bundled voices stay available with PARLA_VOICES_DIR elsewhere, and so do their OpenAI names.
    expect(r.stderr).toMatch(/valid voices: .*\bslt\b.*, or an OpenAI name \(alloy, /);
    // --voice alloy reaches slt as the API's "voice": "alloy" does (voices/aliases.json); the fixture's codec is not the
    // one slt's codes were made with, which the refusal names.
    const alloy = await say('Hello.', '-m', FIXTURE, '--voice', 'alloy', '-o', join(dir, 'a.wav'));
    expect([alloy.code, alloy.stderr]).toEqual([1, expect.stringMatching(/voice "slt" holds codes of codec "codec-cpu1-step6648"/)]);
    const empty = await say('   ', '-m', FIXTURE, '--voice', promptWav, '-o', join(dir, 'e.wav'));
    expect([empty.code, empty.stderr]).toEqual([1, expect.stringContaining('text is empty')]);
    const japanese = await say('日本語', '-m', FIXTURE, '--voice', promptWav, '-o', join(dir, 'j.wav'));
    expect([japanese.code, japanese.stderr]).toEqual([1, expect.stringContaining('the text has a word in Han script ("日本語"): this model reads English')]);
  });

  const copies: string[] = [];
  it('says when a setting asked for could not be used (no drafter; candidates at temperature 0)', async () => {
    const bare = fixtureCopy(FIXTURE, copies, (m) => (m.draft = null), 'draft.onnx');
    const r = await say('Hi.', '-m', bare, '--voice', promptWav, '--speculative', 'on', '--temperature', '0', '-o', join(dir, 'notes.wav'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('has no drafter, so --speculative on decoded plainly');
    const quiet = await say('Hi.', '-m', bare, '--voice', promptWav, '-o', join(dir, 'quiet.wav'));
    expect(quiet.stderr).not.toMatch(/note: .*drafter|--candidates has no effect/);
    const greedy = await say('Hi.', '-m', POINTER_FIXTURE, '--voice', promptWav, '--candidates', '2', '--temperature', '0', '-o', join(dir, 'greedy.wav'));
    expect(greedy.code, greedy.stderr).toBe(0);
    expect(greedy.stderr).toContain('greedy decoding (temperature 0) makes one candidate: --candidates has no effect');
    for (const c of copies.splice(0)) rmSync(c, { recursive: true, force: true });
  });

  it('-o - writes the audio to stdout (a real process)', () => {
    const script = "const { main } = await import('./src/cli/main.ts'); await main(process.argv);";
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, 'parla', 'say', 'Hi.', '-m', FIXTURE, '--voice', promptWav, '-o', '-'], {
      cwd: REPO,
      maxBuffer: 64 * 1024 * 1024,
      timeout: 60_000,
    });
    expect(run.status).toBe(0);
    expect(run.stdout.subarray(0, 4).toString('latin1')).toBe('RIFF');
    expect(run.stdout.length).toBeGreaterThan(10_000);
  });

  it('-o - into a reader that stops early (| head -c 100) ends quietly, exit 0', async () => {
    const script = "const { main } = await import('./src/cli/main.ts'); await main(process.argv);";
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, 'parla', 'say', 'Hi there. And more.', '-m', FIXTURE, '--voice', promptWav, '-o', '-'], { cwd: REPO });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.once('data', () => child.stdout.destroy()); // the reader goes away after its first bytes
    const code = await new Promise<number | null>((done) => child.on('close', done));
    expect(stderr).not.toMatch(/EPIPE|Unhandled|at /);
    expect(code).toBe(0);
  }, 60_000);
});
