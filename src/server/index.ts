/** Public surface of the HTTP server. */
export { createApp, type CreateAppOptions, type ParlaApp } from './app.js';
export { startServer, type RunningServer, type StartServerOptions } from './start.js';
export { loadServerConfig, parseVoiceMap, type ServerConfig, type ServerFlags } from './config.js';
export { envelope, statusOf, type ErrorEnvelope } from './api-error.js';
export { OPENAI_VOICES } from '../engine/voice-aliases.js';
