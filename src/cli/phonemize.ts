/** `parla phonemize`: text -> phonemes from the command line, and a JSON-lines mode the training pipeline streams through. */
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { loadLexicon, type Lexicon } from '../text/lexicon.js';
import { ParlaError } from '../errors.js';
import { analyzeText, type TextOptions } from '../text/pipeline.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

interface PhonemizeFlags {
  jsonl?: boolean;
  normalize: boolean;
  language: string;
  lexicon?: string;
}

export function registerPhonemize(program: Command): void {
  program
    .command('phonemize')
    .description('print the normalized text and phonemes Parla would speak')
    .argument('[text...]', 'text to phonemize')
    .option('--jsonl', 'read {"id","text"} JSON lines on stdin, write {"id","normalized","phonemes","ids","unknown"} lines')
    .option('--no-normalize', 'skip number/abbreviation/symbol normalization')
    .option('--language <lang>', 'English variant: en-us, en-gb, en-029, en-us-nyc', 'en-us')
    .option('--lexicon <file>', 'pronunciation lexicon: "word /ipa/" or "word respelling" per line')
    .action(async (words: string[], flags: PhonemizeFlags) => {
      const lexicon: Lexicon | undefined = flags.lexicon ? loadLexicon(flags.lexicon) : undefined;
      const options: TextOptions = { normalize: flags.normalize, language: flags.language, lexicon };
      if (flags.jsonl) {
        if (words.length > 0) throw new ParlaError('invalid_input', 'with --jsonl the texts come as JSON lines on stdin, not as arguments', { param: 'text' });
        return phonemizeJsonLines(options);
      }
      // No text: read it from stdin when something is piped in (echo hello | parla phonemize), else say what is missing.
      const text = words.length > 0 ? words.join(' ') : process.stdin.isTTY ? '' : await readStdin();
      if (text.trim() === '') throw new ParlaError('empty_input', 'no text to phonemize: give it as arguments or on stdin', { param: 'text' });
      const result = await analyzeText(text, options);
      console.log(result.normalized);
      console.log(result.phonemes);
      if (result.unknown.length > 0) console.error(`unknown symbols: ${result.unknown.join(' ')}`);
    });
}

/** One line in, one line out, in order; a bad line answers with {"id","error"} and the stream goes on. */
async function phonemizeJsonLines(options: TextOptions): Promise<void> {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    let id: unknown = null;
    try {
      const request = JSON.parse(line) as { id?: unknown; text?: unknown };
      id = request.id ?? null;
      if (typeof request.text !== 'string') throw new Error('"text" must be a string');
      const r = await analyzeText(request.text, options);
      process.stdout.write(JSON.stringify({ id, normalized: r.normalized, phonemes: r.phonemes, ids: Array.from(r.ids), unknown: r.unknown }) + '\n');
    } catch (err) {
      process.stdout.write(JSON.stringify({ id, error: (err as Error).message }) + '\n');
    }
  }
}
