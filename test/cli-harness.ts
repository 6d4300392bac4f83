/** Runs the `parla` CLI in-process for tests: exit code and what it printed, with process.exitCode reset afterwards. */
import { main } from '../src/cli/main.js';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

export async function runCli(...args: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const [log, error] = [console.log, console.error];
  console.log = (line: unknown) => void out.push(String(line));
  console.error = (line: unknown) => void err.push(String(line));
  process.exitCode = 0;
  try {
    await main(['node', 'parla', ...args]);
  } finally {
    [console.log, console.error] = [log, error];
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { code, out: out.join('\n'), err: err.join('\n') };
}
