/** Writes an evaluation result (codec or TTS) as `<out>/eval-<model id>-<set>-<date>.json` plus a markdown table of the same numbers. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CodecEvalResult } from './run-codec.js';
import type { TtsEvalResult } from './run-tts.js';
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
    ...measuredBitrates(result),
  ].join('\n');
}

/** 'Measured bitrates (container included): Opus 6 kbps 6.93 kbps, ...' when the classical rows recorded them. */
function measuredBitrates(result: CodecEvalResult): string[] {
  const measured = result.rows.filter((r) => r.measuredKbps !== undefined).map((r) => `${r.name} ${r.measuredKbps!.toFixed(2)} kbps`);
  return measured.length ? [`Measured bitrates (container included): ${measured.join(', ')}.`, ''] : [];
}

/** Column headers of the TTS table, in order (tests check the row against them). */
export const TTS_TABLE_COLUMNS = ['set', 'WER real', 'WER synth', 'WER / real', 'CER real', 'CER synth', 'CER / real', 'similarity', 'real-real ceiling', 'RTF'];

/** The one-row TTS table. */
export function ttsEvalTable(r: TtsEvalResult): string {
  return [
    `| ${TTS_TABLE_COLUMNS.join(' | ')} |`,
    `|${TTS_TABLE_COLUMNS.map(() => '---').join('|')}|`,
    `| ${[
      r.set.name, pct(r.truth?.wer ?? null), pct(r.synthesized.wer), fixed(r.werRatio, 2), pct(r.truth?.cer ?? null), pct(r.synthesized.cer), fixed(r.cerRatio, 2),
      fixed(r.similarity, 3), fixed(r.realRealSimilarity, 3), fixed(r.rtf, 3),
    ].join(' | ')} |`,
  ].join('\n');
}

/** 'Robustness on 5 hard sentences: 4 ok; failures: too_short 1.' */
export function ttsRobustnessLine(r: TtsEvalResult): string {
  const rob = r.robustness;
  if (!rob) return 'Robustness: not run.';
  const failures = Object.entries(rob.failures).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  const which = (rob.failed ?? []).map((f) => `\n- ${f.failures.join(', ')}: "${f.text}" (${f.seconds.toFixed(2)} s, ${(f.seconds / f.expectedSeconds).toFixed(2)}x the expected ${f.expectedSeconds.toFixed(2)} s)${f.transcript === undefined ? '' : `, heard as "${f.transcript}"`}`);
  const unheard = rob.loopsNotHeard ?? [];
  const echoes = unheard.length === 0 ? '' : `\nFlagged as looped by the audio but heard said once (not counted as looped): ${unheard.length}.${unheard.map((u) => `\n- "${u.text}" heard as "${u.transcript}"`).join('')}`;
  return `Robustness on ${rob.total} hard sentences: ${rob.ok} ok; failures: ${failures}.${which.join('')}${echoes}`;
}

/** One-row table of a TTS evaluation plus the robustness counts on the hard sentences. */
export function ttsEvalMarkdown(r: TtsEvalResult): string {
  const m = r.machine;
  return [
    `## TTS evaluation: ${r.set.name}, model ${r.model.id}`,
    '',
    `${r.date}; ${r.set.utterances} sentences, seed ${r.seed}${r.temperature === null ? '' : `, temperature ${r.temperature}`}${r.ras === false ? ', repetition-aware sampling off (plain nucleus)' : ''}; ${m.cpuModel} x${m.cpus}, load average ${m.loadAverage.join(' ')}; ${r.speakerEncoder.available ? `speaker encoder ${r.speakerEncoder.path}` : `speaker similarity unavailable (${r.speakerEncoder.reason})`}.`,
    '',
    ttsEvalTable(r),
    '',
    ttsRobustnessLine(r),
    '',
  ].join('\n');
}

/** Writes both files and returns their paths. */
export function writeEvalResult(result: CodecEvalResult | TtsEvalResult, outDir: string): { json: string; markdown: string } {
  mkdirSync(outDir, { recursive: true });
  const base = path.join(outDir, `eval-${safeName(result.model.id)}-${safeName(result.set.name)}-${fileStamp(new Date(result.date))}`);
  writeFileSync(`${base}.json`, JSON.stringify(result, null, 2) + '\n');
  writeFileSync(`${base}.md`, result.kind === 'codec' ? codecEvalMarkdown(result) : ttsEvalMarkdown(result));
  return { json: `${base}.json`, markdown: `${base}.md` };
}
