/** `parla bench engine`: the engine speed benchmark (src/bench/), recorded in bench/results/ and bench/README.md. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { runEngineBench } from '../bench/engine-bench.js';
import { g1Twin } from '../bench/g1-twin.js';
import { engineBenchTable, readEngineReadme, updateEngineReadme, writeEngineBenchResult } from '../bench/engine-record.js';
import { ParlaError } from '../errors.js';
import { defaultModelDir, PACKAGE_ROOT } from '../paths.js';

interface EngineBenchFlags {
  model: string;
  g1Model?: string;
  seconds: string;
  runs: string;
  sentences: string;
  concurrency: string;
  threads: string;
  torch: boolean;
  torchSteps: string;
  out: string;
  readme: string;
  record: boolean;
}

function positive(value: string, flag: string, integer = true): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new ParlaError('invalid_input', `${flag} must be a positive ${integer ? 'integer' : 'number'}, got "${value}"`, { param: flag.replace(/^--/, '') });
  }
  return n;
}

export function registerBenchEngine(bench: Command): void {
  bench
    .command('engine')
    .description('engine speed: RTF, time to first audio, speculative, G=2 vs G=1, concurrency, memory, PyTorch ratio')
    .option('-m, --model <dir>', 'model directory (random default-size models: bench/engine/export_random.py)', defaultModelDir())
    .option('--g1-model <dir>', 'the same model with group size 1, for the grouped comparison (default: <model>/../g1 when it exists, else a random-weight twin made from training.checkpoints.ar)')
    .option('--seconds <s>', 'utterance length in seconds of audio', '10')
    .option('--runs <n>', 'repetitions of each timed measurement (median)', '3')
    .option('--sentences <n>', 'sentences synthesized for the memory-growth measurement', '1000')
    .option('--concurrency <n>', 'concurrent requests compared with one', '4')
    .option('--threads <n>', 'onnxruntime intra-op threads (and torch threads)', '2')
    .option('--no-torch', 'skip the PyTorch reference timing')
    .option('--torch-steps <n>', 'AR steps timed per runtime for the PyTorch ratio', '100')
    .option('--out <dir>', 'folder for engine-<date>-<model>.json and latest.json', path.join(PACKAGE_ROOT, 'bench', 'results'))
    .option('--readme <file>', 'markdown file whose engine table is rewritten', path.join(PACKAGE_ROOT, 'bench', 'README.md'))
    .option('--no-record', 'print the result only; write nothing')
    .action(async (flags: EngineBenchFlags) => {
      const sibling = path.join(path.dirname(path.resolve(flags.model)), 'g1');
      let g1 = flags.g1Model ?? (path.basename(path.resolve(flags.model)) !== 'g1' && existsSync(path.join(sibling, 'model.json')) ? sibling : null);
      if (!g1 && flags.torch) {
        // A trained model: its G=1 twin (random weights, same configuration) is made once through PyTorch.
        const twin = g1Twin(flags.model);
        if (typeof twin === 'string') g1 = twin;
        else console.error(`grouped comparison skipped: ${twin.error}`);
      }
      if (flags.record) readEngineReadme(flags.readme); // fail before a long run, not after it
      const result = await runEngineBench({
        modelDir: flags.model,
        g1ModelDir: g1,
        seconds: positive(flags.seconds, '--seconds', false),
        runs: positive(flags.runs, '--runs'),
        sentences: positive(flags.sentences, '--sentences'),
        concurrency: positive(flags.concurrency, '--concurrency'),
        threads: positive(flags.threads, '--threads'),
        torch: flags.torch,
        torchSteps: positive(flags.torchSteps, '--torch-steps'),
        log: (line) => console.error(line),
      });
      console.log(engineBenchTable(result));
      if (flags.record) {
        const file = writeEngineBenchResult(result, flags.out);
        updateEngineReadme(flags.readme, result);
        console.error(`wrote ${file} and latest.json; rewrote the engine table in ${flags.readme}`);
      }
    });
}
