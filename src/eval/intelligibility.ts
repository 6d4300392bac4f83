/** Intelligibility of a set of clips: ASR transcripts scored against their texts (per clip and pooled). */
import { transcribeMany } from './asr.js';
import { charErrors, corpusErrors, type ErrorCounts, wordErrors } from './wer.js';

export interface TranscribedClip {
  text: string;
  transcript: string;
  words: ErrorCounts;
  chars: ErrorCounts;
}

export interface IntelligibilityResult {
  clips: TranscribedClip[];
  /** Pooled over clips: sum of errors / sum of reference words (characters). */
  wer: ErrorCounts;
  cer: ErrorCounts;
}

/** Transcribes each clip (16 kHz mono) with pocketsphinx and scores it against `texts[i]`. */
export async function measureIntelligibility(
  clips: readonly Float32Array[],
  texts: readonly string[],
  options: { concurrency?: number } = {},
): Promise<IntelligibilityResult> {
  const transcripts = await transcribeMany(clips, { concurrency: options.concurrency });
  const scored = transcripts.map((transcript, i) => ({
    text: texts[i],
    transcript,
    words: wordErrors(texts[i], transcript),
    chars: charErrors(texts[i], transcript),
  }));
  return {
    clips: scored,
    wer: corpusErrors(scored.map((c) => c.words)),
    cer: corpusErrors(scored.map((c) => c.chars)),
  };
}
