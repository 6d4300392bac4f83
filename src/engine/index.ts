/** Public surface of the engine: load a model, make or load voices, synthesize (in-process or in a worker thread). */
export type { AudioChunk, SamplingOptions, SynthesisOptions, SynthesisResult, SynthesisStats, Voice, VoiceInfo, VoiceLibrary } from './types.js';
export { loadCodecModel, loadModel, type CodecOnlyModel, type LoadedModel, type LoadModelOptions } from './model.js';
export { createVoice, transcriptIds, slugify, MIN_PROMPT_SECONDS, MAX_PROMPT_SECONDS, MIN_PROMPT_SPREAD_DB, type CreateVoiceOptions } from './voice.js';
export { defaultVoiceId, FileVoiceLibrary, type VoiceLibraryOptions } from './voice-library.js';
export { resolveVoice, type ResolveVoiceOptions } from './resolve-voice.js';
export { libraryAliases, OPENAI_VOICES, resolveVoiceId } from './voice-aliases.js';
export { Synthesizer, type SynthesizerOptions } from './synthesizer.js';
export { WorkerSynthesizer } from './worker-synthesizer.js';
export { SynthesizerPool, type PoolOptions } from './synthesizer-pool.js';
