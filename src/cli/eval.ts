/** `parla eval codec|tts`: measures a model's codec or full TTS on a named evaluation set and writes JSON + markdown results (bench/README.md explains the table). */
import path from 'node:path';
import { accessSync, constants, existsSync } from 'node:fs';
import type { Command } from 'commander';
import { readCodecSpec } from '../codec/spec.js';
import { ParlaError } from '../errors.js';
import { DEFAULT_BASELINES, parseBaselines, parseCodebookList } from '../eval/run-baselines.js';
import { runCodecEval } from '../eval/run-codec.js';
import { codecEvalMarkdown, ttsEvalMarkdown, writeEvalResult } from '../eval/run-report.js';
import { loadCodecEvalSet, loadTtsEvalSet, readHardSentences } from '../eval/run-sets.js';
import { runTtsEval } from '../eval/run-tts.js';
import { codecCardEntry, ttsCardEntry, writeCardEntry } from '../eval/run-card.js';
import { codecRegressions, readExpectedCodecQuality, readExpectedTtsQuality, ttsRegressions } from '../eval/run-thresholds.js';
import { defaultModelDir, PACKAGE_ROOT } from '../paths.js';
import { intFlag, numberFlag, onOff } from './flags.js';
import { makeDirs } from '../make-dirs.js';

interface CodecEvalFlags {
  model: string;
  set: string;
  codebooks?: string;
  baselines: string;
  out: string;
  limit?: string;
  threads: string;
  speakerEncoder?: string;
  check?: boolean;
  writeCard?: boolean;
}

interface TtsEvalFlags {
  model: string;
  set: string;
  limit?: string;
  hard?: string;
  seed: string;
  temperature?: string;
  ras: string;
  threads: string;
  speakerEncoder?: string;
  out: string;
  check?: boolean;
  writeCard?: boolean;
}

/** Robustness sentences when neither --hard nor the set's `hard` says how many. */
const DEFAULT_HARD_SENTENCES = 100;

/** What can be found wrong before an evaluation (minutes) rather than after it. */
function checkBeforeRun(flags: { writeCard?: boolean; check?: boolean; limit?: string; speakerEncoder?: string; out: string }): void {
  // A card holds the whole set's numbers: a run on part of it must not overwrite them
  if (flags.writeCard && flags.limit !== undefined) throw new ParlaError('invalid_input', '--write-card records the whole set: leave out --limit', { param: 'limit' });
  // and a check against it on part of the set would report a regression that is only a smaller sample
  if (flags.check && flags.limit !== undefined) throw new ParlaError('invalid_input', '--check compares with the whole set\'s numbers: leave out --limit', { param: 'limit' });
  // A speaker encoder asked for by name must be there; only the default one may be absent (similarity then off).
  if (flags.speakerEncoder !== undefined && !existsSync(flags.speakerEncoder)) {
    throw new ParlaError('file_not_found', `--speaker-encoder ${flags.speakerEncoder}: no such file`, { param: 'speaker-encoder' });
  }
  try {
    makeDirs(flags.out);
    accessSync(flags.out, constants.W_OK);
  } catch (err) {
    throw new ParlaError('invalid_input', `--out ${flags.out}: cannot write there (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { param: 'out', cause: err });
  }
}

function requireCard<T>(modelDir: string, kind: 'codec' | 'tts', setName: string, card: T | null): T {
  if (!card) throw new ParlaError('model_invalid', `--check: ${modelDir}/model.json has no quality.${kind}.${setName} to check against`, { param: `quality.${kind}.${setName}` });
  return card;
}

/** Prints the markdown table and writes the JSON + markdown result files. */
function report(result: Parameters<typeof writeEvalResult>[0], markdown: string, flags: { out: string }): void {
  const files = writeEvalResult(result, flags.out);
  console.log(markdown);
  console.error(`wrote ${files.json} and ${files.markdown}`);
}

/**
 * After a run: `failures` (null without --check) against the card read before the run fail the command;
 * with --write-card, this run's entry becomes quality.<kind>.<set>.
 */
function settleCard(flags: { model: string; writeCard?: boolean }, kind: 'codec' | 'tts', setName: string, failures: string[] | null, entry: () => Parameters<typeof writeCardEntry>[3]): void {
  if (failures) {
    if (failures.length) throw new ParlaError('internal', `quality regression on ${setName}: ${failures.join('; ')}`, { param: 'quality' });
    console.error(`within the model card's margins on ${setName}`);
  }
  if (flags.writeCard) {
    const e = entry();
    console.error(`wrote quality.${kind}.${setName} = ${JSON.stringify(e)} into ${writeCardEntry(flags.model, kind, setName, e)}`);
  }
}

function positiveInt(value: string, flag: string): number;
function positiveInt(value: string | undefined, flag: string): number | undefined;
function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new ParlaError('invalid_input', `${flag} must be a positive integer, got "${value}"`, { param: flag.replace(/^--/, '') });
  return n;
}

export function registerEval(program: Command): void {
  const evaluate = program.command('eval').description('measure quality on held-out evaluation sets (see bench/README.md)');
  evaluate
    .command('codec')
    .description('resynthesize a set through the neural codec and classical codecs; WER/CER, STOI, log-mel, similarity, RTF')
    .option('-m, --model <dir>', 'model directory holding the codec', defaultModelDir())
    .option('--set <name>', 'evaluation set: training/eval/<name>.json, or a path to a .json file', 'codec-kathleen')
    .option('--codebooks <list>', 'codebook counts for the neural rows, e.g. 1,2,4,8 (default: powers of two up to Q)')
    .option('--baselines <list>', 'classical rows: opus6, opus12, codec2, narrowband, or none', DEFAULT_BASELINES.join(','))
    .option('--out <dir>', 'folder for eval-<model>-<set>-<date>.json and .md', path.join(PACKAGE_ROOT, 'bench', 'results'))
    .option('--limit <n>', 'use only the first n utterances of the set')
    .option('--threads <n>', 'onnxruntime intra-op threads', '2')
    .option('--speaker-encoder <file>', 'speaker encoder .onnx (default: <model>/speaker_encoder.onnx, then models/default/)')
    .option('--check', "fail (exit 1) when the neural row falls below the model card's quality.codec.<set> numbers (minus margins)")
    .option('--write-card', "write this run's numbers (neural row with the most codebooks) into <model>/model.json as quality.codec.<set>")
    .action(async (flags: CodecEvalFlags) => {
      checkBeforeRun(flags);
      const { spec } = readCodecSpec(flags.model);
      const set = loadCodecEvalSet(flags.set);
      // Read the card before the run: a missing or malformed one should not cost a whole evaluation.
      const card = flags.check ? requireCard(flags.model, 'codec', set.name, readExpectedCodecQuality(flags.model, set.name)) : null;
      const result = await runCodecEval({
        modelDir: flags.model,
        set,
        codebooks: flags.codebooks === undefined ? undefined : parseCodebookList(flags.codebooks, spec.numCodebooks),
        baselines: parseBaselines(flags.baselines),
        limit: positiveInt(flags.limit, '--limit'),
        threads: positiveInt(flags.threads, '--threads'),
        speakerEncoder: flags.speakerEncoder,
        log: (line) => console.error(line),
      });
      report(result, codecEvalMarkdown(result), flags);
      settleCard(flags, 'codec', set.name, card && codecRegressions(result, card), () => codecCardEntry(result));
    });

  evaluate
    .command('tts')
    .description('synthesize a TTS set with the engine: WER ratio to real recordings, similarity (+ real-real ceiling), RTF, robustness on hard sentences')
    .option('-m, --model <dir>', 'model directory (codec + AR + NAR)', defaultModelDir())
    .option('--set <name>', 'evaluation set: training/eval/<name>.json, or a path to a .json file', 'tts-kathleen')
    .option('--limit <n>', 'use only the first n sentences of the set')
    .option('--hard <n>', `robustness: synthesize the first n of training/eval/hard-sentences.txt, 0 = skip (default: the set's "hard", else ${DEFAULT_HARD_SENTENCES})`)
    .option('--seed <n>', 'sampling seed', '1')
    .option('--temperature <t>', "sampling temperature, 0 = greedy (default: the engine's)")
    .option('--ras <on|off>', 'repetition-aware sampling; off = plain nucleus sampling, the contrast for the robustness counts', 'on')
    .option('--threads <n>', 'onnxruntime intra-op threads', '2')
    .option('--speaker-encoder <file>', 'speaker encoder .onnx (default: <model>/speaker_encoder.onnx, then models/default/)')
    .option('--out <dir>', 'folder for eval-<model>-<set>-<date>.json and .md', path.join(PACKAGE_ROOT, 'bench', 'results'))
    .option('--check', "fail (exit 1) when the run falls below the model card's quality.tts.<set> numbers (minus margins)")
    .option('--write-card', "write this run's numbers into <model>/model.json as quality.tts.<set>")
    .action(async (flags: TtsEvalFlags) => {
      checkBeforeRun(flags);
      const ras = onOff(flags.ras, '--ras');
      const temperature = numberFlag(flags.temperature, '--temperature');
      // The card's numbers are the model's own sampling: a contrast run must not overwrite or be held to them.
      if (!ras && (flags.writeCard || flags.check)) throw new ParlaError('invalid_input', '--ras off is a contrast run: leave out --check and --write-card', { param: 'ras' });
      const set = loadTtsEvalSet(flags.set);
      const hard = flags.hard === undefined ? (set.hard ?? DEFAULT_HARD_SENTENCES) : Number(flags.hard);
      if (!Number.isInteger(hard) || hard < 0) throw new ParlaError('invalid_input', `--hard must be an integer >= 0, got "${flags.hard}"`, { param: 'hard' });
      if (flags.check && hard === 0) throw new ParlaError('invalid_input', '--check compares the robustness run too: leave out --hard 0', { param: 'hard' });
      intFlag(flags.seed, '--seed', 0, 2 ** 31 - 1); // before the model loads
      const card = flags.check ? requireCard(flags.model, 'tts', set.name, readExpectedTtsQuality(flags.model, set.name)) : null;
      const result = await runTtsEval({
        modelDir: flags.model,
        set,
        limit: positiveInt(flags.limit, '--limit'),
        hardSentences: hard === 0 ? [] : readHardSentences().slice(0, hard),
        seed: intFlag(flags.seed, '--seed', 0, 2 ** 31 - 1),
        temperature,
        ras,
        threads: positiveInt(flags.threads, '--threads'),
        speakerEncoder: flags.speakerEncoder,
        log: (line) => console.error(line),
      });
      report(result, ttsEvalMarkdown(result), flags);
      settleCard(flags, 'tts', set.name, card && ttsRegressions(result, card), () => ttsCardEntry(result));
    });
}
