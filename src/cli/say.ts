/** `parla say "text" -o out.wav`: synthesize one text with a voice on the default (or a given) model. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ParlaError } from '../errors.js';
import { defaultModelDir } from '../paths.js';

interface SayFlags {
  output: string;
  model: string;
  voice?: string;
  promptText?: string;
  format?: string;
  seed?: string;
  temperature?: string;
  topP?: string;
  ras: string;
  speculative: string;
}

export function registerSay(program: Command): void {
  program
    .command('say')
    .description('synthesize speech from text')
    .argument('<text...>', 'text to speak')
    .requiredOption('-o, --output <file>', 'output audio file, or - for stdout')
    .option('-m, --model <dir>', 'model directory', defaultModelDir())
    .option('-v, --voice <voice>', 'bundled/saved voice id, or an audio file to clone')
    .option('--prompt-text <text>', 'what the voice prompt audio says (improves cloning)')
    .option('-f, --format <format>', 'wav|mp3|opus|aac|flac|pcm (default: from the file extension, else wav)')
    .option('--seed <n>', 'random seed for reproducible output')
    .option('--temperature <t>', 'sampling temperature; 0 = greedy')
    .option('--top-p <p>', 'nucleus sampling probability mass')
    .option('--ras <on|off>', 'repetition-aware sampling', 'on')
    .option('--speculative <on|off>', 'speculative decoding with the drafter', 'on')
    .action(async (_words: string[], flags: SayFlags) => {
      const manifest = join(flags.model, 'model.json');
      if (!existsSync(manifest)) {
        throw new ParlaError(
          'model_missing',
          `no model at ${flags.model} (missing model.json): a trained default model is not shipped yet; see README "Status"`,
          { param: 'model' },
        );
      }
      throw new ParlaError('internal', 'synthesis is not wired into the CLI yet (engine issue #7)');
    });
}
