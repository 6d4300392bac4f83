/** `parla say "text" -o out.wav`: synthesize one text with a voice on the default (or a given) model. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { defaultVoiceId, FileVoiceLibrary, libraryAliases, loadModel, resolveVoice, Synthesizer, type Voice } from '../engine/index.js';
import type { LoadedModel } from '../engine/model.js';
import { ParlaError } from '../errors.js';
import { resolveSamplingParams } from '../lm/sampling/index.js';
import { checkCandidates } from '../engine/candidates.js';
import { checkRetryAbove, checkSpliceWords } from '../engine/splice.js';
import { measuredCloning } from '../engine/voice-cloning.js';
import { defaultModelDir, voiceLibraryDirs } from '../paths.js';
import { loadLexicon } from '../text/lexicon.js';
import { resolveLanguage } from '../text/phonemize.js';
import { checkLatinScript } from '../text/script.js';
import { outputFormat, writeAudioOutput } from './audio-output.js';
import { asFlagErrors, intFlag, numberFlag, onOff } from './flags.js';
import { MAX_CANDIDATES } from '../engine/candidates.js';
import { MAX_SPLICE_WORDS } from '../engine/splice.js';

interface SayFlags {
  output: string;
  model: string;
  voice?: string;
  promptText?: string;
  format?: string;
  seed?: string;
  temperature?: string;
  topP?: string;
  guidance?: string;
  ras: string;
  speculative?: string;
  candidates?: string;
  spliceWords?: string;
  retryAbove?: string;
  threads?: string;
  normalize: boolean;
  language?: string;
  lexicon?: string;
}

export function registerSay(program: Command): void {
  program
    .command('say')
    .description('synthesize speech from text')
    .argument('<text...>', 'text to speak')
    .requiredOption('-o, --output <file>', 'output audio file, or - for stdout')
    .option('-m, --model <dir>', 'model directory', defaultModelDir())
    .option('-v, --voice <voice>', 'bundled/saved voice id, an OpenAI voice name (alloy, echo, ...), or an audio file to clone')
    .option('--prompt-text <text>', 'what the voice prompt audio says (without it, a model with an audio reader hears the phonemes)')
    .option('-f, --format <format>', 'wav|mp3|opus|aac|flac|pcm (default: from the file extension, else wav)')
    .option('--seed <n>', 'random seed for reproducible output')
    .option('--temperature <t>', 'sampling temperature; 0 = greedy')
    .option('--top-p <p>', 'nucleus sampling probability mass')
    .option('--guidance <w>', 'classifier-free guidance weight for a phoneme-pointer model; 0 = off (default: the model\'s)')
    .option('--ras <on|off>', 'repetition-aware sampling', 'on')
    .option('--speculative <on|off>', 'speculative decoding with the drafter (default: on when the model has one)')
    .option('--candidates <n>', "candidates sampled per sentence chunk, the model's reader keeping the best (default: the model's)")
    .option('--splice-words <n>', "with candidates: take each group of n words from the candidate heard saying it best; 0 = best whole candidate (default: the model's)")
    .option('--retry-above <nats>', "with splicing: a chunk whose worst word group still reads worse than this gets as many candidates again; 0 = never (default: the model's)")
    .option('--threads <n>', 'ONNX threads per operator')
    .option('--no-normalize', 'skip number/abbreviation/symbol normalization')
    .option('--language <lang>', 'English variant: en-us (default), en-gb, en-029, en-us-nyc')
    .option('--lexicon <file>', 'pronunciation lexicon: "word /ipa/" or "word respelling" per line')
    .action(async (words: string[], flags: SayFlags) => {
      const text = words.join(' ');
      checkLatinScript(text);
      const format = outputFormat(flags.output, flags.format); // a bad format fails before the model loads
      const sampling = {
        // The API's range: each seed in it gives other audio (the generator takes 32 bits).
        seed: intFlag(flags.seed, '--seed', 0, 2 ** 31 - 1),
        temperature: numberFlag(flags.temperature, '--temperature'),
        topP: numberFlag(flags.topP, '--top-p'),
        guidance: numberFlag(flags.guidance, '--guidance'),
        ras: onOff(flags.ras, '--ras'),
        speculative: flags.speculative === undefined ? true : onOff(flags.speculative, '--speculative'),
        candidates: intFlag(flags.candidates, '--candidates', 1, MAX_CANDIDATES),
        spliceWords: intFlag(flags.spliceWords, '--splice-words', 0, MAX_SPLICE_WORDS),
        retryAbove: numberFlag(flags.retryAbove, '--retry-above'),
      };
      const threads = intFlag(flags.threads, '--threads', 1, 256);
      if (flags.language) resolveLanguage(flags.language); // fails before the model loads
      const textOptions = { normalize: flags.normalize, language: flags.language, lexicon: flags.lexicon ? loadLexicon(flags.lexicon) : undefined };
      asFlagErrors(() => {
        resolveSamplingParams(sampling); // bad values fail here, before the model loads
        if (sampling.candidates !== undefined) checkCandidates(sampling.candidates, true); // the reader is checked once loaded
        if (sampling.spliceWords !== undefined) checkSpliceWords(sampling.spliceWords, true); // likewise what the model can splice
        if (sampling.retryAbove !== undefined) checkRetryAbove(sampling.retryAbove, 1); // and whether it splices
      });
      if (!existsSync(join(flags.model, 'model.json'))) {
        throw new ParlaError(
          'model_missing',
          `no model at ${flags.model} (missing model.json); -m takes a model folder such as models/default, the one used without -m`,
          { param: 'model' },
        );
      }
      const model = await loadModel(flags.model, { threads });
      const voice = await pickVoice(model, flags);
      const result = await asFlagErrors(() => new Synthesizer(model).generate(text, { voice, ...sampling, ...textOptions }));
      await writeAudioOutput(result.audio, result.sampleRate, flags.output, format);
      if (flags.output === '-') return;
      const s = result.stats;
      const spec = s.acceptanceRate === undefined ? '' : `, draft acceptance ${(100 * s.acceptanceRate).toFixed(0)}%`;
      const takes = s.candidates === undefined ? '' : `, ${s.candidates} candidates`;
      console.error(`parla: wrote ${flags.output} (${format}, ${s.audioSeconds.toFixed(2)} s of audio in ${s.wallSeconds.toFixed(2)} s, RTF ${s.rtf.toFixed(3)}, ${s.arSteps} AR steps${takes}${spec})`);
      // Settings asked for that this run could not use: say so rather than ignore them silently.
      if (flags.speculative === 'on' && !model.draft) console.error(`parla: note: ${model.id} has no drafter, so --speculative on decoded plainly`);
      if ((sampling.candidates ?? 1) > 1 && s.temperature === 0) console.error('parla: note: greedy decoding (temperature 0) makes one candidate: --candidates has no effect');
      const cloning = measuredCloning(model.manifest);
      if (voice.origin === 'user' && cloning && !cloning.clones) {
        console.error(`parla: note: ${model.id} does not clone voices yet (its card: speaker similarity ${cloning.similarity} to unseen voices, ${cloning.ceiling} between two recordings of one person); the prompt sets pace and delivery, the timbre stays the model's`);
      }
    });
}

/** --voice: a saved id or an audio file; without it, the voice called "default", else the first saved one. */
async function pickVoice(model: LoadedModel, flags: SayFlags): Promise<Voice> {
  const dirs = voiceLibraryDirs();
  const library = new FileVoiceLibrary(model, dirs);
  if (flags.voice) return resolveVoice(model, library, flags.voice, { promptText: flags.promptText, aliases: libraryAliases(dirs) });
  const id = defaultVoiceId(await library.list());
  if (id === undefined) throw new ParlaError('voice_not_found', `no --voice given and no saved voices in ${library.dir}: pass --voice <audio file>`, { param: 'voice' });
  return resolveVoice(model, library, id, { promptText: flags.promptText });
}
