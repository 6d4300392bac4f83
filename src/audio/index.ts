/** Parla's audio I/O: decode any input, encode every output format (one-shot or streaming), and DSP on Float32 PCM. */
export { decodeAudio, type DecodeOptions } from './decode.js';
export { encodeAudio, type EncodeAudioOptions } from './encode.js';
export { createEncoderStream, type EncoderStream, type EncoderStreamOptions } from './encoder-stream.js';
export { AUDIO_FORMATS, CONTENT_TYPES, assertAudioFormat, type AudioFormat, type EncodeOptions } from './formats.js';
export { resolveFfmpeg, type ResolvedFfmpeg } from './ffmpeg.js';
export { Resampler, resample } from './resample.js';
export { gatedLoudnessDb, limitPeaks, loudnessSpreadDb, normalizeLoudness, type LoudnessOptions } from './loudness.js';
export { silenceRatio, speechBounds, trimSilence, voiceActivity, type SilenceOptions, type TrimOptions } from './silence.js';
export { concatenate, type ConcatOptions } from './concat.js';
export { frameRms, fromDb, measureLevels, peak, rms, toDb, type LevelReport } from './levels.js';
export { floatToS16le, s16leToFloat } from './pcm.js';
export { encodeWav, streamingWavHeader } from './wav.js';
export { chirp, sineTone, syllabify, toneAmplitude, whiteNoise } from './signals.js';
