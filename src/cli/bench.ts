/** `parla bench`: speed benchmarks recorded under bench/results/ (`bench codec` now; `bench engine` registers beside it). */
import path from 'node:path';
import type { Command } from 'commander';
import { ParlaError } from '../errors.js';
import { runCodecBench } from '../eval/run-bench-codec.js';
import { codecBenchTable, readReadmeTable, updateReadmeTable, writeCodecBenchResult } from '../eval/run-bench-table.js';
import { defaultModelDir, PACKAGE_ROOT } from '../paths.js';
import { registerBenchEngine } from './bench-engine.js';

interface CodecBenchFlags {
  model: string;
  seconds: string;
  threads: string;
  runs: string;
  out: string;
  readme: string;
  record: boolean;
}

function numberFlag(value: string, flag: string, integer: boolean): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new ParlaError('invalid_input', `${flag} must be a positive ${integer ? 'integer' : 'number'}, got "${value}"`, { param: flag.replace(/^--/, '') });
  }
  return n;
}

/** `parla bench codec`: encode + decode RTF of a clip of real speech. */
export const DEFAULT_RESULTS = path.join(PACKAGE_ROOT, 'bench', 'results');
const DEFAULT_README = path.join(PACKAGE_ROOT, 'bench', 'README.md');

function registerCodecBench(bench: Command): void {
  bench
    .command('codec')
    .description('codec encode + decode real-time factor on a clip of held-out speech (median of runs)')
    .option('-m, --model <dir>', 'model directory holding the codec', defaultModelDir())
    .option('--seconds <s>', 'clip length in seconds', '10')
    .option('--threads <n>', 'onnxruntime intra-op threads', '2')
    .option('--runs <n>', 'timed runs after one warm-up', '5')
    .option('--out <dir>', 'folder for codec-<date>-<model>.json', DEFAULT_RESULTS)
    .option('--readme <file>', 'markdown file whose codec table is regenerated', DEFAULT_README)
    .option('--no-record', 'print the result only; write nothing')
    .action(async (flags: CodecBenchFlags) => {
      if (flags.record) readReadmeTable(flags.readme); // fail before a long run, not after it
      const result = await runCodecBench({
        modelDir: flags.model,
        seconds: numberFlag(flags.seconds, '--seconds', false),
        threads: numberFlag(flags.threads, '--threads', true),
        runs: numberFlag(flags.runs, '--runs', true),
      });
      console.log(codecBenchTable([result]));
      if (flags.record) {
        const file = writeCodecBenchResult(result, flags.out);
        // The package README's table lists bench/results/: rebuilt from another --out it would lose the recorded rows.
        if (path.resolve(flags.out) !== DEFAULT_RESULTS && path.resolve(flags.readme) === DEFAULT_README) {
          console.error(`wrote ${file}; ${flags.readme} lists ${DEFAULT_RESULTS} only, so its table was left as it was (give --readme to write one for ${flags.out})`);
          return;
        }
        updateReadmeTable(flags.readme, flags.out);
        console.error(`wrote ${file}; regenerated the table in ${flags.readme}`);
      }
    });
}

export function registerBench(program: Command): void {
  const bench = program.command('bench').description('speed benchmarks, recorded in bench/results/ and bench/README.md');
  registerCodecBench(bench);
  registerBenchEngine(bench);
}
