/** Parla's measuring instruments: intelligibility (ASR WER/CER), codec fidelity (STOI, log-mel), robustness checks, classical codec baselines. */
export { transcribe, transcribeMany, transcribeWavFile, findPocketsphinx } from './asr.js';
export { compensateDelay, estimateDelay } from './align.js';
export { codec2RoundTrip, opusRoundTrip, type CodecRoundTrip } from './codecs-classical.js';
export { fidelityTable, measureFidelity, NARROWBAND_MEL, type EvalUtterance, type FidelityReport, type FidelityRow, type RoundTrip } from './codec-fidelity.js';
export { measureIntelligibility, type IntelligibilityResult, type TranscribedClip } from './intelligibility.js';
export { checkLoops, type LoopVerdict } from './loops.js';
export { DEFAULT_MEL, logMelDistance, logMelSpectrogram, type LogMel, type MelConfig } from './mel.js';
export { EVAL_SAMPLE_RATE } from './rate.js';
export {
  checkClipping, checkDuration, checkRobustness, checkSilence, countPhonemes, expectedDurationSeconds,
  type ClippingVerdict, type DurationVerdict, type RobustnessVerdict, type SilenceVerdict,
} from './robustness.js';
export { normalizeForScoring } from './score-text.js';
export { kathleenHeldoutSentences, kathleenIsHeldout, readKathleen, sharedDataDir, type KathleenUtterance } from './shared-data.js';
export { mixAtSnr, whiteNoise } from './signals.js';
export { stoi } from './stoi.js';
export { alignTokens, charErrors, corpusErrors, scoringWords, wordErrors, type ErrorCounts } from './wer.js';
export { SpeakerEncoder, cosineSimilarity, defaultSpeakerEncoderPath, SPEAKER_SAMPLE_RATE } from './speaker.js';
