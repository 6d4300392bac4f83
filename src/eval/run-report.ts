/** Writes an evaluation result as `<out>/eval-<model id>-<set>-<date>.json` plus a markdown table of the same numbers. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CodecEvalResult } from './run-codec.js';
import { fileStamp, safeName } from './run-machine.js';

const pct = (x: number | null): string => (x === null ? '-' : `${(100 * x).toFixed(1)}%`);
const fixed = (x: number | null, digits: number): string => (x === null ? '-' : x.toFixed(digits));
/** Ratio to the originals' error rate; '-' when either is missing or the originals scored 0. */
const ratio = (x: number | null, base: number | null): string => (x === null || !base ? '-' : (x / base).toFixed(2));

/** Column headers of the codec table, in order (tests check rows against them). */
export const CODEC_TABLE_COLUMNS = ['audio', 'kbps', 'WER', 'WER / original', 'CER', 'CER / original', 'STOI', 'log-mel L1', 'log-mel L1 0-4 kHz', 'similarity', 'RTF'];

export function codecEvalTable(result: CodecEvalResult): string {
  const original = result.rows.find((r) => r.kind === 'original');
  const lines = [`| ${CODEC_TABLE_COLUMNS.join(' | ')} |`, `|${CODEC_TABLE_COLUMNS.map(() => '---').join('|')}|`];
  for (const r of result.rows) {
    lines.push(`| ${[
      r.name, r.kbps === null ? '-' : String(Math.round(r.kbps * 10) / 10), pct(r.wer), ratio(r.wer, original?.wer ?? null), pct(r.cer), ratio(r.cer, original?.cer ?? null),
      fixed(r.stoi, 3), fixed(r.melDistance, 3), fixed(r.melDistanceNarrow, 3), fixed(r.similarity, 3), fixed(r.rtf, 3),
    ].join(' | ')} |`);
  }
  return lines.join('\n');
}

export function codecEvalMarkdown(result: CodecEvalResult): string {
  const m = result.machine;
  const sim = result.speakerEncoder.available
    ? `speaker encoder ${result.speakerEncoder.path}; real-real ceiling (two utterances of one speaker) ${fixed(result.realRealSimilarity, 3)}`
    : `speaker similarity unavailable (${result.speakerEncoder.reason})`;
  return [
    `## Codec evaluation: ${result.set.name}, model ${result.model.id}`,
    '',
    `${result.date}; ${result.set.utterances} utterances, ${result.set.seconds.toFixed(1)} s; ${m.cpuModel} x${m.cpus}, ${result.threads} onnxruntime threads, load average ${m.loadAverage.join(' ')}; ${sim}.`,
    ...(result.set.intelligibility ? [] : ['', 'WER/CER not measured on this set (pocketsphinx cannot read it).']),
    '',
    codecEvalTable(result),
    '',
  ].join('\n');
}

/** Writes both files and returns their paths. */
export function writeEvalResult(result: CodecEvalResult, outDir: string): { json: string; markdown: string } {
  mkdirSync(outDir, { recursive: true });
  const base = path.join(outDir, `eval-${safeName(result.model.id)}-${safeName(result.set.name)}-${fileStamp(new Date(result.date))}`);
  writeFileSync(`${base}.json`, JSON.stringify(result, null, 2) + '\n');
  writeFileSync(`${base}.md`, codecEvalMarkdown(result));
  return { json: `${base}.json`, markdown: `${base}.md` };
}
