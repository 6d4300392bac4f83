/** `parla phonemize` as a real process: text from arguments or stdin, JSON lines, and no text at all. */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '..');
const SCRIPT = "const { main } = await import('./src/cli/main.ts'); await main(process.argv);";

function phonemize(args: string[], stdin: string): { code: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT, 'parla', 'phonemize', ...args], { cwd: REPO, input: stdin, timeout: 60_000 });
  return { code: run.status, stdout: run.stdout.toString(), stderr: run.stderr.toString() };
}

describe('parla phonemize', () => {
  it('takes the text as arguments, or on stdin', () => {
    const fromArgs = phonemize(['Hello', 'world.'], '');
    expect(fromArgs.code, fromArgs.stderr).toBe(0);
    expect(fromArgs.stdout).toBe('Hello world.\nhəlˈoʊ wˈɜːld.\n');
    const piped = phonemize([], 'Hello world.\n');
    expect(piped).toMatchObject({ code: 0, stdout: fromArgs.stdout });
  });

  it('no text at all is an error, not two empty lines', () => {
    expect(phonemize([], '')).toMatchObject({ code: 1, stdout: '', stderr: 'parla: no text to phonemize: give it as arguments or on stdin\n' });
    expect(phonemize([], '   \n')).toMatchObject({ code: 1, stdout: '' });
  });

  it('--jsonl reads its texts from stdin, and refuses text arguments it would ignore', () => {
    const lines = phonemize(['--jsonl'], '{"id": 1, "text": "Hi."}\n{"id": 2}\n');
    expect(lines.code).toBe(0);
    const [ok, bad] = lines.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(ok).toMatchObject({ id: 1, phonemes: 'hˈaɪ.' });
    expect(bad).toEqual({ id: 2, error: '"text" must be a string' });
    expect(phonemize(['--jsonl', 'extra text'], '')).toMatchObject({ code: 1, stderr: 'parla: with --jsonl the texts come as JSON lines on stdin, not as arguments\n' });
  });
});
