/** ffmpeg's FFMETADATA1 text format: global tags plus [CHAPTER] sections, written for muxing and parsed back for checks. */

export interface MetadataChapter {
  title: string;
  /** Milliseconds from the start of the book. */
  startMs: number;
  endMs: number;
}

export interface FfMetadata {
  tags: Record<string, string>;
  chapters: MetadataChapter[];
}

/** '=', ';', '#', '\' and newlines are special in the format and must be backslash-escaped. */
const escape = (value: string): string => value.replace(/[=;#\\\n]/g, (c) => `\\${c}`);

export function formatFfMetadata(meta: FfMetadata): string {
  const lines = [';FFMETADATA1'];
  for (const [key, value] of Object.entries(meta.tags)) lines.push(`${escape(key)}=${escape(value)}`);
  for (const ch of meta.chapters) {
    lines.push('[CHAPTER]', 'TIMEBASE=1/1000', `START=${Math.round(ch.startMs)}`, `END=${Math.round(ch.endMs)}`, `title=${escape(ch.title)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Parses what `ffmpeg -i book.m4b -f ffmetadata -` prints; chapter times are converted to milliseconds. */
export function parseFfMetadata(text: string): FfMetadata {
  const tags: Record<string, string> = {};
  const chapters: MetadataChapter[] = [];
  let section: Record<string, string> | undefined;
  let inOtherSection = false; // [STREAM] sections: ignored
  const finish = (): void => {
    if (!section) return;
    const chapter = section;
    section = undefined;
    const [num, den] = (chapter.TIMEBASE ?? '1/1000').split('/').map(Number);
    const ms = (v: string | undefined): number => (Number(v ?? 0) * num * 1000) / den;
    chapters.push({ title: chapter.title ?? '', startMs: ms(chapter.START), endMs: ms(chapter.END) });
  };
  // Joined continuation lines (an escaped newline) are rejoined before splitting.
  for (const line of text.replace(/\\\n/g, '\u0000').split('\n')) {
    if (!line || line.startsWith(';') || line.startsWith('#')) continue;
    if (line.startsWith('[')) {
      finish();
      section = line === '[CHAPTER]' ? {} : undefined;
      inOtherSection = !section;
      continue;
    }
    if (inOtherSection) continue;
    const eq = line.search(/(?<!\\)=/);
    if (eq < 0) continue;
    const unescape = (s: string): string => s.replace(/\u0000/g, '\n').replace(/\\(.)/g, '$1');
    (section ?? tags)[unescape(line.slice(0, eq))] = unescape(line.slice(eq + 1));
  }
  finish();
  return { tags, chapters };
}
