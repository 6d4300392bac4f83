// WER of a TTS eval set synthesized through Synthesizer.generate() (the path of `parla say`, audiobooks and the
// API without streaming), where `parla eval tts` synthesizes through stream(): with several candidates generate()
// keeps a first sentence whole (synth-options.ts), stream() cuts a short first chunk for early audio.
//   npm run build && node bench/engine/generate-wer.mjs MODEL_DIR [SET=tts-kathleen] [SEED=1] [CANDIDATES=model's] [TEMPERATURE=model's]
// Other synthesis options as JSON in PARLA_OPTIONS, e.g. PARLA_OPTIONS='{"ras":false}'.
import { loadModel, createVoice, Synthesizer } from '../../dist/engine/index.js';
import { loadTtsEvalSet, loadRecordings } from '../../dist/eval/run-sets.js';
import { transcribeMany } from '../../dist/eval/asr.js';
import { wordErrors, corpusErrors } from '../../dist/eval/index.js';
const [dir, setName = 'tts-kathleen', seed = '1', candidates, temperature] = process.argv.slice(2);
const extra = JSON.parse(process.env.PARLA_OPTIONS ?? '{}');
const model = await loadModel(dir, { threads: 2 });
const set = loadTtsEvalSet(setName);
const voices = new Map();
for (const u of await loadRecordings(set.prompts)) voices.set(u.id, await createVoice(model, u.audio, { name: u.id, transcript: u.text, sampleRate: 16000 }));
const synth = new Synthesizer(model);
const pcms = [];
let sampled = 0;
for (const item of set.items) {
  const r = await synth.generate(item.text, { voice: voices.get(item.prompt), seed: Number(seed), ...(candidates ? { candidates: Number(candidates) } : {}), ...(temperature ? { temperature: Number(temperature) } : {}), ...extra });
  pcms.push(r.audio);
  sampled += r.stats.candidates ?? 1;
}
const hyps = await transcribeMany(pcms, { concurrency: 2 });
const rate = corpusErrors(set.items.map((it, i) => wordErrors(it.text, hyps[i]))).rate;
console.log(`${setName}, seed ${seed}, candidates ${candidates ?? model.candidates}, temperature ${temperature ?? model.samplingDefaults.temperature}, ${process.env.PARLA_OPTIONS ?? ''} generate(): WER ${(100 * rate).toFixed(1)}%, ${(sampled / set.items.length).toFixed(2)} candidates sampled per sentence`);
