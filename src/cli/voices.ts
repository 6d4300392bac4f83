/** `parla voices list|add|remove`: the voice library from the command line (the same folders the server and web UI use). */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { FileVoiceLibrary, loadCodecModel } from '../engine/index.js';
import { ParlaError } from '../errors.js';
import { defaultModelDir, defaultVoicesDir, voiceLibraryDirs } from '../paths.js';

interface VoicesFlags {
  model: string;
  dir: string;
  transcript?: string;
  id?: string;
  bundled?: boolean;
  json?: boolean;
}

/**
 * Voices are codec codes: the model's codec is all the library needs, so a codec-only model folder works too.
 * The package's bundled voices are listed (read-only) whatever --dir is.
 */
async function openLibrary(flags: VoicesFlags): Promise<FileVoiceLibrary> {
  if (existsSync(flags.dir) && !statSync(flags.dir).isDirectory()) {
    throw new ParlaError('invalid_input', `--dir ${flags.dir} is a file; the voice library is a folder (created if missing)`, { param: 'dir' });
  }
  return new FileVoiceLibrary(await loadCodecModel(flags.model), voiceLibraryDirs(flags.dir));
}

export function registerVoices(program: Command): void {
  const voices = program.command('voices').description('list, add and remove saved voices');
  const common = (cmd: Command) =>
    cmd
      .option('-m, --model <dir>', 'model directory (voices are codec codes of this model)', defaultModelDir())
      .option('--dir <dir>', 'voice library folder (PARLA_VOICES_DIR)', defaultVoicesDir());

  common(voices.command('list'))
    .description('list saved and bundled voices')
    .option('--json', 'print JSON instead of a table')
    .action(async (flags: VoicesFlags) => {
      const list = await (await openLibrary(flags)).list();
      if (flags.json) return console.log(JSON.stringify({ voices: list }, null, 2));
      if (list.length === 0) return console.log(`no voices in ${flags.dir}: add one with "parla voices add <name> <audio file>"`);
      for (const v of list) console.log(`${v.id.padEnd(24)} ${v.name.padEnd(24)} ${v.durationSeconds.toFixed(1).padStart(5)} s  ${v.origin}${v.hasTranscript ? '' : '  (no transcript)'}`);
    });

  common(voices.command('add').argument('<name>', 'display name').argument('<audio>', 'a few seconds of the voice, any common audio format'))
    .description('clone a voice from an audio file and save it')
    .option('-t, --transcript <text>', 'what the clip says (without it, a model with an audio reader hears the phonemes)')
    .option('--id <id>', 'save under this id ([a-z0-9-], replaces a voice with that id) instead of one derived from the name')
    .option('--bundled', 'mark the voice as bundled with Parla: listed as bundled, cannot be deleted (scripts/make-bundled-voices.sh)')
    .action(async (name: string, audio: string, flags: VoicesFlags) => {
      let bytes: Buffer;
      try {
        bytes = await readFile(audio);
      } catch (err) {
        throw new ParlaError('file_not_found', `cannot read ${audio}: ${(err as Error).message}`, { param: 'audio' });
      }
      const info = await (await openLibrary(flags)).create({ name, audio: bytes, transcript: flags.transcript, id: flags.id, origin: flags.bundled ? 'bundled' : 'user' });
      console.log(`saved voice "${info.name}" as ${info.id} (${info.durationSeconds.toFixed(1)} s)`);
      // say, book and serve look in PARLA_VOICES_DIR (default: the package's voices/), not in a --dir given here.
      if (resolve(flags.dir) !== resolve(defaultVoicesDir())) console.log(`to speak with it: PARLA_VOICES_DIR=${flags.dir} parla say "..." --voice ${info.id} -o out.wav`);
      if (info.promptTempo) console.log(`the prompt was slower than the model's pace: sped up ${info.promptTempo}x before encoding`);
      if (info.promptCroppedFrom) console.log(`the prompt had ${info.promptCroppedFrom.toFixed(1)} s of speech, more than the model reads well from: its first part was kept${flags.transcript && !info.hasTranscript ? ', and the transcript, which spoke for all of it, was set aside' : ''}`);
    });

  common(voices.command('remove').argument('<id>', 'voice id (see "parla voices list")'))
    .description('delete a saved voice')
    .action(async (id: string, flags: VoicesFlags) => {
      await (await openLibrary(flags)).delete(id);
      console.log(`removed voice ${id}`);
    });
}
