/** `parla book <input> --voice <v> -o book.m4b`: a whole book to a chaptered audiobook, resumable, checked chunk by chunk. */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_PAUSES, type Pauses } from '../book/chapter-assembly.js';
import type { ChunkEngine } from '../book/chunk-synth.js';
import { formatChapterList, readBook, selectChapters, type ChapterFileFormat } from '../book/index.js';
import { runBook, type BookOutput } from '../book/job-runner.js';
import { BookJob } from '../book/journal.js';
import { defaultGateChecks, parseGateChecks } from '../book/quality-gate.js';
import { formatSummary } from '../book/run-summary.js';
import { MAX_CANDIDATES } from '../engine/candidates.js';
import { checkRetryAbove } from '../engine/splice.js';
import { FileVoiceLibrary, libraryAliases, loadModel, resolveVoice, Synthesizer, WorkerSynthesizer } from '../engine/index.js';
import { isParlaError, ParlaError } from '../errors.js';
import { resolveSamplingParams } from '../lm/sampling/index.js';
import { defaultModelDir, voiceLibraryDirs } from '../paths.js';
import { loadLexicon } from '../text/lexicon.js';
import { asFlagErrors, intFlag, numberFlag } from './flags.js';

/** The default seed: fixed, so running the same command twice gives the same audiobook. */
export const DEFAULT_BOOK_SEED = 1234;

interface BookFlags {
  voice?: string;
  promptText?: string;
  output?: string;
  outDir?: string;
  format: string;
  list?: boolean;
  chapters: string;
  includeMatter?: boolean;
  seed: string;
  lexicon?: string;
  normalize: boolean;
  loudness: boolean;
  pauseSentence: string;
  pauseParagraph: string;
  pauseChapter: string;
  subtitles?: string;
  jobDir?: string;
  restart?: boolean;
  retries: string;
  gate?: string;
  jobs: string;
  chunkPhonemes: string;
  model: string;
  temperature?: string;
  topP?: string;
  guidance?: string;
  candidates?: string;
  retryAbove?: string;
  threads?: string;
}

export function registerBook(program: Command): void {
  program
    .command('book')
    .description('turn a book (EPUB, TXT, Markdown, HTML) into an audiobook (.m4b with chapters, or one file per chapter)')
    .argument('<input>', 'book file: .epub, .txt, .md, .html')
    .option('-v, --voice <voice>', 'bundled/saved voice id, an OpenAI voice name (alloy, echo, ...), or an audio file to clone')
    .option('--prompt-text <text>', 'what the voice prompt audio says (without it, a model with an audio reader hears the phonemes)')
    .option('-o, --output <file>', 'write one .m4b audiobook with chapter markers')
    .option('--out-dir <dir>', 'write one file per chapter into this folder instead')
    .option('--format <format>', 'chapter file format with --out-dir: mp3|opus|flac', 'mp3')
    .option('--list', 'list the chapters and exit')
    .option('--chapters <spec>', 'chapters to read, e.g. 3-7 or 1,4,9- (see --list)', 'all')
    .option('--include-matter', 'also read front/back matter (title page, license, ...)')
    .option('--seed <n>', 'base random seed; each chunk derives its own from it', String(DEFAULT_BOOK_SEED))
    .option('--lexicon <file>', 'pronunciation lexicon: "word /IPA/" or "word respelling" per line')
    .option('--no-normalize', 'read numbers, dates, abbreviations as written (no text normalization)')
    .option('--no-loudness', 'keep chapter levels as synthesized (default: match chapters at -19 LUFS)')
    .option('--pause-sentence <ms>', 'pause between sentence chunks', String(DEFAULT_PAUSES.sentenceMs))
    .option('--pause-paragraph <ms>', 'pause between paragraphs and after the chapter title', String(DEFAULT_PAUSES.paragraphMs))
    .option('--pause-chapter <ms>', 'silence at the start of each chapter', String(DEFAULT_PAUSES.chapterMs))
    .option('--subtitles <srt|vtt>', 'also write sentence subtitles next to the output')
    .option('--job-dir <dir>', 'resumable job folder (default: <output>.parla-job)')
    .option('--restart', 'delete the job folder and start over')
    .option('--retries <n>', 'extra attempts (new seed) for a chunk that fails the quality gate', '2')
    .option('--gate <checks>', 'quality checks: all, off, or a list of duration,silence,clipping,loops (default: all, without loops for a phoneme-pointer model, which cannot repeat text)')
    .option('--jobs <n>', 'parallel synthesis workers (each loads the model in a worker thread)', '1')
    .option('--chunk-phonemes <n>', 'phoneme budget per synthesis chunk', '150')
    .option('-m, --model <dir>', 'model directory', defaultModelDir())
    .option('--temperature <t>', 'sampling temperature; 0 = greedy')
    .option('--top-p <p>', 'nucleus sampling probability mass')
    .option('--guidance <w>', 'classifier-free guidance weight for a phoneme-pointer model; 0 = off (default: the model\'s)')
    .option('--candidates <n>', "candidates sampled per chunk, the model's reader keeping the best (default: the model's; 1 is fastest)")
    .option('--retry-above <nats>', "with splicing: a chunk whose worst word group still reads worse than this gets as many candidates again; 0 = never (default: the model's)")
    .option('--threads <n>', 'ONNX threads per operator (default: cores / jobs)')
    .action(async (input: string, flags: BookFlags) => {
      const book = readBook(input);
      if (flags.list) {
        console.log(formatChapterList(book));
        return;
      }
      const chapters = selectChapters(book, flags.chapters, { includeMatter: flags.includeMatter });
      const output = bookOutput(flags);
      const seed = intFlag(flags.seed, '--seed', -(2 ** 31), 2 ** 31 - 1);
      const retries = intFlag(flags.retries, '--retries', 0, 20);
      const jobs = intFlag(flags.jobs, '--jobs', 1, 64);
      const chunkPhonemes = intFlag(flags.chunkPhonemes, '--chunk-phonemes', 20, 400);
      const gateChecks = flags.gate === undefined ? undefined : parseGateChecks(flags.gate);
      const pauses: Pauses = {
        sentenceMs: intFlag(flags.pauseSentence, '--pause-sentence', 0, 10_000),
        paragraphMs: intFlag(flags.pauseParagraph, '--pause-paragraph', 0, 10_000),
        chapterMs: intFlag(flags.pauseChapter, '--pause-chapter', 0, 60_000),
      };
      const subtitles = flags.subtitles === undefined ? undefined : oneOf(flags.subtitles, ['srt', 'vtt'] as const, '--subtitles');
      const sampling = {
        temperature: numberFlag(flags.temperature, '--temperature'),
        topP: numberFlag(flags.topP, '--top-p'),
        guidance: numberFlag(flags.guidance, '--guidance'),
        candidates: flags.candidates === undefined ? undefined : intFlag(flags.candidates, '--candidates', 1, MAX_CANDIDATES),
        retryAbove: numberFlag(flags.retryAbove, '--retry-above'),
      };
      asFlagErrors(() => {
        resolveSamplingParams(sampling);
        if (sampling.retryAbove !== undefined) checkRetryAbove(sampling.retryAbove, 1); // whether the model splices is checked once loaded
      });
      if (!flags.voice) throw new ParlaError('voice_not_found', '--voice is required: a saved voice id (see `parla voices`) or an audio file to clone', { param: 'voice' });
      const lexicon = flags.lexicon ? loadLexicon(flags.lexicon) : undefined;
      if (!existsSync(join(flags.model, 'model.json'))) {
        throw new ParlaError('model_missing', `no model at ${flags.model} (missing model.json)`, { param: 'model' });
      }
      const threads = flags.threads === undefined ? Math.max(1, Math.floor(availableParallelism() / jobs)) : intFlag(flags.threads, '--threads', 1, 256);
      const model = await loadModel(flags.model, { threads });
      const dirs = voiceLibraryDirs();
      const voice = await resolveVoice(model, new FileVoiceLibrary(model, dirs), flags.voice, { promptText: flags.promptText, aliases: libraryAliases(dirs) });
      const checks = gateChecks ?? defaultGateChecks(Boolean(model.ar.dims.pointerClasses));
      const jobDir = resolve(flags.jobDir ?? (output.kind === 'm4b' ? `${output.path}.parla-job` : join(output.dir, '.parla-job')));
      if (flags.restart) BookJob.discard(jobDir);

      const workers = jobs > 1 ? await Promise.all(Array.from({ length: jobs }, () => WorkerSynthesizer.start(flags.model, { threads }))) : [];
      // Batching on: one chunk at a time has no company, but its candidates (sampling.candidates) decode as one AR
      // batch; off, they decoded one after another (Alice chapter 2 took 104.8 s instead of 26.7 s with one candidate).
      const engines: ChunkEngine[] = jobs > 1 ? workers : [new Synthesizer(model)];
      try {
        const summary = await runBook({
          inputPath: input,
          chapters,
          engines,
          synthesis: { voice, normalize: flags.normalize, lexicon, ...sampling },
          seed,
          retries,
          checks,
          chunkPhonemes,
          pauses,
          loudness: flags.loudness,
          jobDir,
          output,
          subtitles,
          metadata: { title: book.title, author: book.author, narrator: voice.name, cover: book.cover, comment: `Read by Parla, model ${model.id}` },
          identity: {
            model: { id: model.id, manifest: sha256(readFileSync(join(model.dir, 'model.json'))) },
            voice: { id: voice.id, codes: sha256(Buffer.from(voice.codes.data.buffer, voice.codes.data.byteOffset, voice.codes.data.byteLength)), transcript: voice.transcript ?? null },
            temperature: sampling.temperature ?? null,
            topP: sampling.topP ?? null,
            candidates: sampling.candidates ?? null,
            // Only when given, so that jobs journaled before the flag existed keep their identity.
            ...(sampling.retryAbove === undefined ? {} : { retryAbove: sampling.retryAbove }),
            ...(sampling.guidance === undefined ? {} : { guidance: sampling.guidance }),
            normalize: flags.normalize,
            lexicon: flags.lexicon ? sha256(readFileSync(flags.lexicon)) : null,
          },
        });
        console.error(formatSummary(summary));
      } catch (err) {
        // The journal refuses a job made from another input or settings; say how to start over.
        if (isParlaError(err) && /belongs to another job/.test(err.message)) {
          throw new ParlaError(err.code, `${err.message}, or re-run with --restart (job folder: ${jobDir})`, { param: err.param, cause: err });
        }
        throw err;
      } finally {
        await Promise.all(workers.map((w) => w.close()));
      }
    });
}

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

function bookOutput(flags: BookFlags): BookOutput {
  if (flags.output && flags.outDir) throw new ParlaError('invalid_input', 'give either -o/--output (one .m4b) or --out-dir (chapter files), not both', { param: 'output' });
  if (flags.outDir) return { kind: 'files', dir: flags.outDir, format: oneOf(flags.format, ['mp3', 'opus', 'flac'] as const, '--format') as ChapterFileFormat };
  if (!flags.output) throw new ParlaError('invalid_input', 'an output is required: -o book.m4b, or --out-dir <dir> for one file per chapter', { param: 'output' });
  if (!/\.(m4b|m4a|mp4)$/i.test(flags.output)) throw new ParlaError('unsupported_format', `-o ${flags.output}: the single-file output is an .m4b audiobook; use --out-dir for mp3/opus/flac chapter files`, { param: 'output' });
  return { kind: 'm4b', path: flags.output };
}

function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new ParlaError('invalid_input', `${flag} must be one of ${allowed.join(', ')}, got "${value}"`, { param: flag });
}
