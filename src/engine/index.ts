/** Public surface of the engine: load a model, make or load voices, synthesize (one-shot or streamed). */
export type { AudioChunk, SamplingOptions, SynthesisOptions, SynthesisResult, SynthesisStats, Voice, VoiceInfo, VoiceLibrary } from './types.js';
export { loadModel, type LoadedModel, type LoadModelOptions } from './model.js';
export { createVoice, transcriptIds, slugify, MIN_PROMPT_SECONDS, MAX_PROMPT_SECONDS, type CreateVoiceOptions } from './voice.js';
export { FileVoiceLibrary, type VoiceLibraryOptions } from './voice-library.js';
export { Synthesizer } from './synthesizer.js';
export { resolveVoice } from './resolve-voice.js';
