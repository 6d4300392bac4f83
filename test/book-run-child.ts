/** Runs `parla book ...` in a child process for the book-run tests (kill-and-resume), independent of how main.ts registers commands. */
import { Command, CommanderError } from 'commander';
import { registerBook } from '../src/cli/book.js';
import { isParlaError } from '../src/errors.js';

const program = new Command().name('parla').exitOverride();
registerBook(program);
try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exitCode = err.exitCode;
  else if (isParlaError(err)) {
    console.error(`parla: ${err.message}`);
    process.exitCode = 1;
  } else throw err;
}
