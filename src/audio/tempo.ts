/** Tempo change without pitch change by ffmpeg's atempo filter: the API's playback speed (OpenAI `speed`, 0.25-4), and slow voice prompts brought to the model's pace. */
import { runFfmpeg } from './ffmpeg.js';
import { ParlaError } from '../errors.js';

/** atempo takes 0.5-2.0 per instance on older ffmpeg (4.1 is bundled), so wider factors chain two. */
export function atempoFilter(speed: number): string {
  if (!(speed >= 0.25 && speed <= 4)) throw new ParlaError('invalid_input', `speed must be between 0.25 and 4.0, got ${speed}`, { param: 'speed' });
  const stages: number[] = [];
  let rest = speed;
  while (rest > 2) (stages.push(2), (rest /= 2));
  while (rest < 0.5) (stages.push(0.5), (rest /= 0.5));
  stages.push(rest);
  return stages.map((s) => `atempo=${s.toFixed(6)}`).join(',');
}

/**
 * Time-stretch mono PCM by `speed` (2 = twice as fast, half as long).
 * @returns PCM at the same rate, about `pcm.length / speed` samples
 */
export async function changeSpeed(pcm: Float32Array, sampleRate: number, speed: number, signal?: AbortSignal): Promise<Float32Array> {
  if (speed === 1 || pcm.length === 0) return pcm;
  const raw = ['-f', 'f32le', '-ar', String(sampleRate), '-ac', '1'];
  const { stdout, exitCode, stderr } = await runFfmpeg([...raw, '-i', 'pipe:0', '-af', atempoFilter(speed), ...raw, 'pipe:1'], {
    input: Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength),
    timeoutMs: 60_000,
    signal,
    what: `changing speed to ${speed}`,
  });
  if (exitCode !== 0) throw new ParlaError('internal', `ffmpeg atempo failed (exit ${exitCode}): ${stderr.slice(-300)}`);
  // Copy into an aligned buffer: the stdout Buffer may start at an odd offset in Node's pool.
  const out = new Float32Array(stdout.length >> 2);
  new Uint8Array(out.buffer).set(stdout.subarray(0, out.length * 4));
  return out;
}
