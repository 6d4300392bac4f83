/** startServer: listen, and shut down gracefully (stop accepting, let in-flight syntheses finish within a grace period, cancel the rest). */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ParlaError } from '../errors.js';
import { createApp, type CreateAppOptions, type ParlaApp } from './app.js';

export interface RunningServer extends ParlaApp {
  server: Server;
  /** e.g. http://127.0.0.1:8000 */
  url: string;
  port: number;
  /** Graceful shutdown; safe to call more than once. */
  close(): Promise<void>;
}

export interface StartServerOptions extends CreateAppOptions {
  /** Install SIGTERM/SIGINT handlers that close the server and exit (the CLI does; tests do not). */
  handleSignals?: boolean;
}

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const parla = createApp(options);
  const { config } = options;
  const server = parla.app.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  }).catch(async (err: NodeJS.ErrnoException) => {
    // The model is already loading, in worker threads that would keep the process alive: close them first.
    await parla.ready.catch(() => undefined);
    await parla.context.engine?.synth.close?.();
    const why = err.code === 'EADDRINUSE' ? 'the port is in use (another server?)' : err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND' ? `no such address here (${err.code})` : err.message;
    throw new ParlaError('invalid_input', `cannot listen on ${config.host}:${config.port}: ${why}`, { param: 'port', cause: err });
  });
  // Synthesis of long input can take minutes on a CPU: never time out a request that is still producing audio.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  const port = (server.address() as AddressInfo).port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => (closing ??= shutdown(parla, server, config.shutdownGraceSeconds));
  if (options.handleSignals) {
    const onSignal = (signal: NodeJS.Signals): void => {
      parla.context.log.info({ signal }, 'shutting down');
      void close().finally(() => process.exit(0));
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }
  return { ...parla, server, url: `http://${host}:${port}`, port, close };
}

async function shutdown(parla: ParlaApp, server: Server, graceSeconds: number): Promise<void> {
  const { context: ctx } = parla;
  ctx.shuttingDown = true;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const drained = ctx.queue.close();
  const timer = setTimeout(() => {
    ctx.log.warn({ inflight: ctx.inflight.size }, 'grace period over: cancelling in-flight syntheses');
    for (const c of ctx.inflight) c.abort();
  }, graceSeconds * 1000);
  await drained;
  clearTimeout(timer);
  server.closeAllConnections();
  await closed;
  // A model still loading in the workers is waited for: exiting inside onnxruntime's session creation aborts.
  await parla.ready.catch(() => undefined);
  await ctx.engine?.synth.close?.();
}
