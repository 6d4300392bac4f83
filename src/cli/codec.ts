/** `parla codec encode|decode`: the neural codec as a command-line audio compressor (like EnCodec's CLI). */
import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { decodeAudio } from '../audio/index.js';
import { Codec } from '../codec/codec.js';
import { firstCodebooks } from '../codec/codes.js';
import { readPcodes, writePcodes, type PcodesHeader } from '../codec/pcodes.js';
import { readCodecSpec } from '../codec/spec.js';
import { ParlaError } from '../errors.js';
import { defaultModelDir } from '../paths.js';
import { writeAudioOutput } from './audio-output.js';
import { intFlag } from './flags.js';

interface CodecFlags {
  model: string;
  codebooks?: string;
  format?: string;
  threads?: string;
}

function parseCodebooks(value: string | undefined, max: number): number {
  if (value === undefined) return max;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new ParlaError('invalid_input', `--codebooks must be an integer in 1..${max}, got "${value}"`, { param: 'codebooks' });
  return n;
}

/** A file's bytes, or an error that names the file and what is wrong with it (missing, a folder, unreadable). */
async function readInput(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (err as Error).message;
    throw new ParlaError(code === 'ENOENT' ? 'file_not_found' : 'invalid_input', `cannot read ${path}: ${why}`, { param: 'input', cause: err });
  }
}

async function loadCodec(flags: CodecFlags) {
  const { id, codecId, spec } = readCodecSpec(flags.model);
  const threads = intFlag(flags.threads, '--threads', 1, 256);
  return { id, codecId, codec: await Codec.load(spec, { intraOpThreads: threads }) };
}

/**
 * A .pcodes header's `modelId` names the codec that made the codes: its codec id (what `parla codec encode` and
 * saved voices write), or, in files written before codec ids, the id of a model using it. Codes decode with any
 * model whose codec is that one, so a language model shipped over the same codec still reads them.
 */
function assertSameCodec(input: string, header: PcodesHeader, model: { id: string; codecId: string }, modelDir: string): void {
  if (header.modelId === model.codecId || header.modelId === model.id) return;
  throw new ParlaError(
    'model_invalid',
    `${input} holds codes of codec "${header.modelId}", but ${modelDir} uses codec "${model.codecId}" (model "${model.id}"): decode it with a model that has that codec, or encode the audio again`,
    { param: 'model' },
  );
}

export function registerCodec(program: Command): void {
  const codec = program.command('codec').description('compress audio to codec codes (.pcodes) and back');
  const common = (cmd: Command) =>
    cmd
      .option('-m, --model <dir>', 'model directory holding the codec', defaultModelDir())
      .option('--codebooks <n>', 'use only the first n codebooks (lower bitrate: n x 0.5 kbps)')
      .option('--threads <n>', 'onnxruntime intra-op threads');

  common(codec.command('encode').argument('<input>', 'audio file in any common format').argument('<output>', '.pcodes file'))
    .description('encode audio to a .pcodes file')
    .action(async (input: string, output: string, flags: CodecFlags) => {
      // "-" is stdout for `decode`; codes are a file format of their own, not a stream to pipe on.
      if (output === '-') throw new ParlaError('invalid_input', 'codec encode writes a .pcodes file: give its path (stdout is for decoded audio)', { param: 'output' });
      const { codecId, codec: model } = await loadCodec(flags);
      const codebooks = parseCodebooks(flags.codebooks, model.spec.numCodebooks);
      const pcm = await decodeAudio(input, { sampleRate: model.sampleRate });
      const codes = firstCodebooks(await model.encode(pcm), codebooks);
      // The header's modelId field names the codec (like voices' codes.pcodes), not the language model around it.
      const file = writePcodes(codes, { modelId: codecId, sampleRate: model.sampleRate, hopLength: model.hopLength, codebookSize: model.spec.codebookSize, numSamples: pcm.length });
      await writeFile(output, file).catch((err: Error) => {
        throw new ParlaError('invalid_input', `cannot write ${output}: ${err.message}`, { param: 'output', cause: err });
      });
      const seconds = pcm.length / model.sampleRate;
      console.error(`${input}: ${seconds.toFixed(2)} s -> ${codes.codebooks}x${codes.frames} codes, ${file.length} bytes (${((file.length * 8) / seconds / 1000).toFixed(2)} kbps)`);
    });

  common(codec.command('decode').argument('<input>', '.pcodes file').argument('<output>', 'audio file, or - for stdout'))
    .option('-f, --format <format>', 'wav|mp3|opus|aac|flac|pcm (default: from the extension)')
    .description('decode a .pcodes file to audio')
    .action(async (input: string, output: string, flags: CodecFlags) => {
      const { id, codecId, codec: model } = await loadCodec(flags);
      const { header, codes } = readPcodes(await readInput(input), input);
      assertSameCodec(input, header, { id, codecId }, flags.model);
      const pcm = await model.decode(codes, { codebooks: parseCodebooks(flags.codebooks, codes.codebooks) });
      await writeAudioOutput(pcm.subarray(0, header.numSamples), model.sampleRate, output, flags.format);
    });
}
