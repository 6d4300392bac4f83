// Best-of-N check: N sampled candidates of every sentence of a TTS eval set, each decoded and transcribed by
// pocketsphinx, against the model's code reader scores. Prints the mean single-candidate WER, candidate 0's, the
// oracle (best transcript per sentence) and the reader's picks; writes the rows to /tmp/rerank-<set>-<N>.json.
//   npm run build && node bench/engine/candidates-check.mjs MODEL_DIR [N=4] [TEMPERATURE=0.3] [SET=tts-kathleen] [LIMIT=30]
// MODEL_DIR must have a reader, of codes or of audio (python -m training.reader.export ... --out MODEL_DIR).
import { loadModel, createVoice } from '../../dist/engine/index.js';
import { loadTtsEvalSet, loadRecordings } from '../../dist/eval/run-sets.js';
import { transcribeMany } from '../../dist/eval/asr.js';
import { chunkInputs } from '../../dist/engine/prompt.js';
import { minGroupsFor, DEFAULT_MIN_LENGTH } from '../../dist/engine/min-length.js';
import { generateCodebook0 } from '../../dist/engine/ar-decode.js';
import { fillCodebooks } from '../../dist/engine/model.js';
import { resolveSamplingParams } from '../../dist/lm/sampling/index.js';
import { ctcNegLogLikelihood } from '../../dist/lm/code-reader.js';
import { analyzeText } from '../../dist/text/pipeline.js';
import fs from 'node:fs';
const [modelDir, N, T, setName, limit] = [process.argv[2], Number(process.argv[3] ?? 4), Number(process.argv[4] ?? 0.3), process.argv[5] ?? 'tts-kathleen', Number(process.argv[6] ?? 30)];
const model = await loadModel(modelDir, { threads: 2 });
const set = loadTtsEvalSet(setName);
const items = set.items.slice(0, limit);
const prompts = new Map((await loadRecordings(set.prompts.filter((p) => items.some((i) => i.prompt === p.id)))).map((u) => [u.id, u]));
const voices = new Map();
for (const [id, u] of prompts) voices.set(id, await createVoice(model, u.audio, { name: id, transcript: u.text, sampleRate: 16000 }));
const words = (s) => s.toLowerCase().replace(/[^a-z' ]/g, ' ').split(/\s+/).filter(Boolean);
const ed = (a, b) => { let d = Array.from({ length: b.length + 1 }, (_, j) => j); for (let i = 1; i <= a.length; i++) { const p = d.slice(); d[0] = i; for (let j = 1; j <= b.length; j++) d[j] = Math.min(p[j] + 1, d[j - 1] + 1, p[j - 1] + (a[i - 1] !== b[j - 1] ? 1 : 0)); } return d[b.length]; };
const rows = [];
const params = resolveSamplingParams({ temperature: T });
for (const item of items) {
  const { ids } = await analyzeText(item.text);
  const inputs = chunkInputs(model, voices.get(item.prompt), ids);
  const minGroups = minGroupsFor(ids.length, DEFAULT_MIN_LENGTH, model.frameRate, model.groupSize, inputs.maxGroups);
  const pcms = [], feats = [];
  for (let k = 0; k < N; k++) {
    const r = await generateCodebook0(model, { prompt: inputs.ar, maxGroups: inputs.maxGroups, minGroups, params, seed: 1 + k * 1000003, speculative: false });
    const targets = model.reader.targets(ids);
    const codes = await fillCodebooks(model, inputs.text, inputs.promptCodes, r.codes, r.phonemes);
    const pcm = await model.codec.decode(codes, { voice: voices.get(item.prompt).codes });
    const { data: lp, frames } = model.reader.input === 'audio' ? await model.reader.logProbs(pcm) : { data: await model.reader.logProbs(r.codes), frames: r.codes.length };
    const nll = ctcNegLogLikelihood(lp, frames, model.reader.dims.vocabSize, targets, 0);
    feats.push({ perPhoneme: nll / targets.length, total: nll, frames: r.codes.length });
    pcms.push(pcm);
  }
  const hyps = await transcribeMany(pcms, { concurrency: 2 });
  const ref = words(item.text);
  rows.push({ id: item.id, n: ref.length, errs: hyps.map((h) => ed(ref, words(h))), feats });
  process.stderr.write('.');
}
fs.writeFileSync(`/tmp/rerank-${setName}-${N}.json`, JSON.stringify(rows));
const tot = rows.reduce((a, r) => a + r.n, 0);
const pick = (f) => rows.reduce((a, r) => { const s = r.feats.map(f); return a + r.errs[s.indexOf(Math.min(...s))]; }, 0) / tot;
console.log(`\nmean single ${(100 * rows.reduce((a, r) => a + r.errs.reduce((x, y) => x + y, 0) / N, 0) / tot).toFixed(1)}%  cand0 ${(100 * rows.reduce((a, r) => a + r.errs[0], 0) / tot).toFixed(1)}%  oracle ${(100 * rows.reduce((a, r) => a + Math.min(...r.errs), 0) / tot).toFixed(1)}%`);
console.log(`reader per-phoneme ${(100 * pick((f) => f.perPhoneme)).toFixed(1)}%  total ${(100 * pick((f) => f.total)).toFixed(1)}%  per-frame ${(100 * pick((f) => f.total / f.frames)).toFixed(1)}%`);
// Within-sentence rank correlation of the reader's score with the candidates' errors (1 = it orders them perfectly).
const ranks = (xs) => { const o = xs.map((x, i) => [x, i]).sort((a, b) => a[0] - b[0]); const r = new Array(xs.length); for (let i = 0; i < o.length;) { let j = i; while (j + 1 < o.length && o[j + 1][0] === o[i][0]) j++; for (let k = i; k <= j; k++) r[o[k][1]] = (i + j) / 2; i = j + 1; } return r; };
const pearson = (a, b) => { const m = (v) => v.reduce((x, y) => x + y, 0) / v.length; const ma = m(a), mb = m(b); let n = 0, da = 0, db = 0; a.forEach((x, i) => { n += (x - ma) * (b[i] - mb); da += (x - ma) ** 2; db += (b[i] - mb) ** 2; }); return da && db ? n / Math.sqrt(da * db) : NaN; };
const rhos = rows.map((r) => pearson(ranks(r.errs), ranks(r.feats.map((f) => f.perPhoneme)))).filter((x) => !Number.isNaN(x));
console.log(`reader score vs errors, mean within-sentence Spearman ${(rhos.reduce((a, b) => a + b, 0) / rhos.length).toFixed(3)} over ${rhos.length} sentences; longest candidate ${(100 * pick((f) => -f.frames)).toFixed(1)}%, shortest ${(100 * pick((f) => f.frames)).toFixed(1)}%`);
