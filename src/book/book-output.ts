/** Writes a run's joined chapters as the requested output: one .m4b, or chapter files, plus SRT/VTT subtitles in the same timeline. */
import { writeFileSync } from 'node:fs';
import type { AssembledChapter } from './chapter-assembly.js';
import type { AudiobookMetadata } from './chapter-audio.js';
import { writeChapterFiles, type ChapterFileFormat } from './chapter-files.js';
import { writeM4b } from './m4b.js';
import { formatSrt, formatVtt, shiftCues, type Cue } from './subtitles.js';

export type BookOutput = { kind: 'm4b'; path: string } | { kind: 'files'; dir: string; format: ChapterFileFormat };

export interface OutputOptions {
  output: BookOutput;
  subtitles?: 'srt' | 'vtt';
  /** Match chapter loudness (-19 LUFS). */
  loudness: boolean;
  metadata: AudiobookMetadata;
}

/** @returns the written files: the m4b or the chapter files, then the subtitles */
export async function writeOutput(o: OutputOptions, chapters: AssembledChapter[]): Promise<string[]> {
  const sources = chapters.map((c) => ({ title: c.title, wavPath: c.wavPath }));
  const loudness = o.loudness ? {} : (false as const);
  const format = o.subtitles === 'vtt' ? formatVtt : formatSrt;
  if (o.output.kind === 'm4b') {
    await writeM4b(o.output.path, sources, o.metadata, { loudness });
    const files = [o.output.path];
    if (o.subtitles) {
      const cues: Cue[] = [];
      let offset = 0;
      for (const c of chapters) {
        cues.push(...shiftCues(c.cues, offset));
        offset += c.samples / c.sampleRate;
      }
      const path = o.output.path.replace(/\.[^./\\]*$/, '') + `.${o.subtitles}`;
      writeFileSync(path, format(cues));
      files.push(path);
    }
    return files;
  }
  const written = await writeChapterFiles(o.output.dir, o.output.format, sources, o.metadata, { loudness });
  if (o.subtitles) {
    chapters.forEach((c, i) => {
      const path = written[i].replace(/\.[^./\\]*$/, '') + `.${o.subtitles}`;
      writeFileSync(path, format(c.cues));
      written.push(path);
    });
  }
  return written;
}
