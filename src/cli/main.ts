/** The `parla` command: parses arguments and hands each subcommand to its module. */
import { Command, CommanderError } from 'commander';
import { isParlaError } from '../errors.js';
import { registerBench } from './bench.js';
import { registerBook } from './book.js';
import { registerCodec } from './codec.js';
import { registerEval } from './eval.js';
import { registerPhonemize } from './phonemize.js';
import { registerSay } from './say.js';
import { registerServe } from './serve.js';
import { registerVoices } from './voices.js';

export function buildProgram(): Command {
  const program = new Command()
    .name('parla')
    .description('Local text-to-speech with a neural codec language model.')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  registerSay(program);
  registerPhonemize(program);
  registerCodec(program);
  registerEval(program);
  registerBench(program);
  registerServe(program);
  registerBook(program);
  registerVoices(program);
  return program;
}

/** Runs the CLI; user errors print one clear line and exit 1, never a stack trace. */
export async function main(argv: string[]): Promise<void> {
  // `parla say ... -o - | head -c 100`: the reader is gone, so is the point of writing; no "Unhandled 'error' event".
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    if (isParlaError(err)) {
      console.error(`parla: ${err.message}`);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
}
