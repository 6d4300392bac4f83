/** The audiobook input/output layer `parla book` composes: read a book, pick chapters, journal the synthesis, write m4b/chapter files/subtitles. */
export type { Book, Chapter, Cover, TextBlock } from './types.js';
export { readBook, SUPPORTED_BOOK_EXTENSIONS, type ReadBookOptions } from './read-book.js';
export { readEpub, type EpubOptions } from './epub-reader.js';
export { parseText, DEFAULT_HEADING_PATTERN, type TextOptions } from './text-reader.js';
export { parseMarkdown, type MarkdownOptions } from './markdown-reader.js';
export { parseHtml, type HtmlOptions } from './html-reader.js';
export { countWords, formatChapterList, NARRATION_WORDS_PER_MINUTE, parseChapterSpec, selectChapters, type SelectOptions } from './chapter-select.js';
export { writeM4b, type M4bOptions, type M4bResult } from './m4b.js';
export { chapterFileName, writeChapterFiles, type ChapterFileFormat, type ChapterFilesOptions } from './chapter-files.js';
export type { AudiobookMetadata, ChapterSource } from './chapter-audio.js';
export { gainToTarget, measureLoudness, type LoudnessMeasurement, type LoudnessTarget } from './chapter-loudness.js';
export { formatFfMetadata, parseFfMetadata, type FfMetadata, type MetadataChapter } from './ffmetadata.js';
export { formatSrt, formatVtt, shiftCues, type Cue, type SubtitleOptions } from './subtitles.js';
export { BookJob, type ChunkAudio, type JobManifest, type JournalEntry } from './journal.js';
export { describeSettingsChange, type JobSettings } from './job-fingerprint.js';
export { readWavInfo, type WavFileInfo } from './wav-info.js';
