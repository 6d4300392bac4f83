// Could a drafter without a model reach the 2x speculative bar? Prompt-lookup drafting proposes, after the last n
// groups (n = 3, 2, 1), what followed their latest earlier occurrence in the prompt's and the output's codebook 0
// (up to K groups); a verify call would accept the drafted groups up to the first one the AR did not write, plus
// the AR's own group. Counted on the model's greedy output (temperature 0, one candidate, no guidance), which is
// the most repetitive it writes, so these counts are an upper bound for sampled output. "with the pointer" also
// requires the phoneme pointer not to move inside an accepted run (the draft has to say what the pointer feeds).
// A verify call costs about one AR step at this size (bench/README.md), so groups per call is the speedup bound.
//   npm run build && node bench/engine/lookup-draft-check.mjs [MODEL_DIR=models/default] [SET=tts-kathleen-rest] [K=8]
import { loadModel, createVoice, Synthesizer } from '../../dist/engine/index.js';
import { loadTtsEvalSet, loadRecordings } from '../../dist/eval/run-sets.js';

const [dir = 'models/default', setName = 'tts-kathleen-rest', kArg = '8'] = process.argv.slice(2);
const K = Number(kArg);
const model = await loadModel(dir, { threads: 2 });
const set = loadTtsEvalSet(setName);
const voices = new Map();
for (const u of await loadRecordings(set.prompts)) voices.set(u.id, await createVoice(model, u.audio, { name: u.id, transcript: u.text, sampleRate: 16000 }));
const synth = new Synthesizer(model);
const g = model.groupSize;

/** Codebook 0 of [Q, T] codes as one string per group, so that groups compare with ===. */
const groupsOf = (codes) => Array.from({ length: Math.floor(codes.frames / g) }, (_, i) => Array.from(codes.data.subarray(i * g, (i + 1) * g)).join(','));

/** The lookup draft after `history`: the continuation of the latest earlier match of its last n groups. */
function draft(history) {
  for (const n of [3, 2, 1]) {
    if (history.length <= n) continue;
    const key = history.slice(-n).join('|');
    for (let j = history.length - n - 1; j >= 0; j--) {
      if (history.slice(j, j + n).join('|') === key) return history.slice(j + n, j + n + K);
    }
  }
  return [];
}

const totals = { calls: 0, groups: 0, callsPointer: 0, groupsPointer: 0 };
for (const item of set.items) {
  const voice = voices.get(item.prompt);
  const prompt = groupsOf(voice.codes);
  for await (const c of synth.codes(item.text, { voice, seed: 1, temperature: 0, candidates: 1, guidance: 0 })) {
    const out = groupsOf(c.codes);
    const phoneme = (i) => c.codes.phonemes?.[i * g] ?? 0;
    for (const withPointer of [false, true]) {
      for (let t = 0; t < out.length; ) {
        const proposal = draft(prompt.concat(out.slice(0, t)));
        let accepted = 0;
        while (accepted < proposal.length && t + accepted < out.length && proposal[accepted] === out[t + accepted] && (!withPointer || phoneme(t + accepted) === phoneme(t))) accepted++;
        if (withPointer) { totals.callsPointer++; totals.groupsPointer += accepted + 1; } else { totals.calls++; totals.groups += accepted + 1; }
        t += accepted + 1;
      }
    }
  }
}
const perCall = (groups, calls) => (groups / calls).toFixed(3);
console.log(`${setName}, ${set.items.length} sentences, greedy, K ${K}: ${totals.groups} groups in ${totals.calls} verify calls = ${perCall(totals.groups, totals.calls)} groups a call (codes only), ${perCall(totals.groupsPointer, totals.callsPointer)} with the pointer`);
