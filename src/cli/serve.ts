/** `parla serve`: the OpenAI-compatible HTTP API and the web UI; flags over PARLA_* variables over .env. */
import type { Command } from 'commander';
import { resolveFfmpeg } from '../audio/ffmpeg.js';
import { loadServerConfig, startServer, type ServerFlags } from '../server/index.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('start the HTTP API (OpenAI-compatible /v1/audio/speech) and the web UI')
    .option('-p, --port <port>', 'port to listen on (PARLA_PORT, default 8000; 0 picks a free one)')
    .option('-H, --host <host>', 'address to bind (PARLA_HOST, default 127.0.0.1; 0.0.0.0 for all interfaces)')
    .option('-m, --model-dir <dir>', 'model directory (PARLA_MODEL_DIR, default models/default)')
    .option('--voices-dir <dir>', 'voice library directory (PARLA_VOICES_DIR, default voices/)')
    .option('-c, --concurrency <n>', 'syntheses running at once (PARLA_CONCURRENCY, default 4)')
    .option('-w, --workers <n>', 'synthesis worker threads, each with its own model (PARLA_WORKERS, default 2, 1 on one core)')
    .option('--max-queue <n>', 'requests allowed to wait before 429 (PARLA_MAX_QUEUE, default 16)')
    .option('--api-key <key>', 'require "Authorization: Bearer <key>" on /v1 (PARLA_API_KEY)')
    .option('--cors-origins <list>', 'comma-separated origins allowed by CORS, or * (PARLA_CORS_ORIGINS)')
    .option('--voice-map <map>', 'OpenAI voice names to voice ids, e.g. alloy=kathleen,echo=ada (PARLA_VOICE_MAP)')
    .action(async (flags: ServerFlags) => {
      const config = loadServerConfig(flags);
      // Every response is encoded by ffmpeg: a bad PARLA_FFMPEG stops the server here, not as empty 200s later.
      resolveFfmpeg();
      const running = await startServer({ config, handleSignals: true });
      running.context.log.info({ url: running.url, model: config.modelDir, voices: config.voicesDir }, `Parla listening on ${running.url} (web UI at /, API docs at /docs)`);
      // A model that fails to load keeps the server up (health says why) so the problem is visible, but say it here too.
      running.ready.catch((err: Error) => console.error(`parla: model not loaded: ${err.message}`));
    });
}
