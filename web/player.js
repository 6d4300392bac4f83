// Receiving synthesized audio: read the response as it streams, report progress, play MP3 while it arrives (MediaSource).
import { pcm16ToWav } from './wav.js';

export const MIME = { mp3: 'audio/mpeg', opus: 'audio/ogg', aac: 'audio/aac', flac: 'audio/flac', wav: 'audio/wav', pcm: 'audio/pcm' };
export const EXTENSION = { mp3: 'mp3', opus: 'opus', aac: 'aac', flac: 'flac', wav: 'wav', pcm: 'pcm' };

/**
 * Read the whole response into a Blob while reporting progress; with `progressive` (MP3 where MediaSource takes
 * audio/mpeg) playback starts with the first bytes instead of at the end.
 * @returns {Promise<{blob: Blob, playable: Blob}>} the bytes as sent (for download) and something <audio> can play
 */
export async function receiveAudio(res, { format, audio, progressive, onProgress }) {
  const sampleRate = Number(res.headers.get('X-Parla-Sample-Rate')) || 24000;
  const stream = progressive && format === 'mp3' && globalThis.MediaSource?.isTypeSupported('audio/mpeg') ? await openMediaSource(audio, 'audio/mpeg') : null;
  const reader = res.body.getReader();
  const parts = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    bytes += value.length;
    onProgress(bytes, approximateSeconds(format, bytes, sampleRate));
    if (stream) await stream.append(value);
  }
  const blob = new Blob(parts, { type: MIME[format] });
  const playable = format === 'pcm' ? pcm16ToWav(new Uint8Array(await blob.arrayBuffer()), sampleRate) : blob;
  if (stream) await stream.end();
  else audio.src = URL.createObjectURL(playable);
  return { blob, playable };
}

/** Rough audio length from bytes so far (exact for wav/pcm, nominal bitrates otherwise; flac unknown). */
function approximateSeconds(format, bytes, rate) {
  if (format === 'wav') return Math.max(0, bytes - 44) / (2 * rate);
  if (format === 'pcm') return bytes / (2 * rate);
  const kbps = { mp3: 128, aac: 96, opus: 48 }[format];
  return kbps ? (bytes * 8) / (kbps * 1000) : undefined;
}

/** A MediaSource attached to `audio`, fed in order (appendBuffer must wait for the previous update to end). */
async function openMediaSource(audio, mime) {
  const source = new MediaSource();
  audio.src = URL.createObjectURL(source);
  await new Promise((resolve) => source.addEventListener('sourceopen', resolve, { once: true }));
  const buffer = source.addSourceBuffer(mime);
  const updated = () => new Promise((resolve) => buffer.addEventListener('updateend', resolve, { once: true }));
  let started = false;
  return {
    async append(chunk) {
      buffer.appendBuffer(chunk);
      await updated();
      if (!started) {
        started = true;
        audio.play().catch(() => {}); // autoplay may be refused; the controls still work
      }
    },
    async end() {
      if (buffer.updating) await updated();
      if (source.readyState === 'open') source.endOfStream();
    },
  };
}
