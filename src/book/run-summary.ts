/** The closing report of `parla book`: chapters and lengths, speed, memory, and every chunk that failed the quality gate, with its text. */
import type { BookRunSummary } from './job-runner.js';

const clock = (s: number): string => {
  const t = Math.round(s);
  return `${Math.floor(t / 3600)}:${String(Math.floor(t / 60) % 60).padStart(2, '0')}:${String(t % 60).padStart(2, '0')}`;
};

export function formatSummary(s: BookRunSummary): string {
  const lines = [`${s.chapters.length} chapter(s), ${clock(s.durationSec)} of audio:`];
  for (const c of s.chapters) lines.push(`  ${String(c.index).padStart(4)}  ${clock(c.durationSec)}  ${c.title}`);
  const { total, synthesized, resumed, retried } = s.chunks;
  lines.push(`chunks: ${total} (${synthesized} synthesized now, ${resumed} from the job journal, ${retried} retried by the quality gate)`);
  if (synthesized > 0) {
    lines.push(`speed: ${s.charsPerSecond.toFixed(1)} chars/s, RTF ${s.rtf.toFixed(3)} (${s.chars} chars in ${s.wallSeconds.toFixed(1)} s); memory ${s.rssMb.first}-${s.rssMb.max} MB RSS`);
  }
  if (s.failed.length) {
    lines.push(`${s.failed.length} chunk(s) failed the quality gate on every attempt (best take kept; listen to these):`);
    for (const f of s.failed) lines.push(`  chapter ${f.chapter} ${f.id} [${f.failures.join(', ')}; ${f.attempts} attempt(s)]: "${f.text}"`);
  } else {
    lines.push('quality gate: every chunk passed');
  }
  lines.push(...s.files.map((f) => `wrote ${f}`));
  return lines.join('\n');
}
