// The voice clip: load from a file or the microphone, draw its waveform, trim start/end, and export the selection as WAV.
import { floatToWav } from './wav.js';

export class ClipEditor {
  /** @param {{canvas: HTMLCanvasElement, start: HTMLInputElement, end: HTMLInputElement, startOut: HTMLOutputElement, endOut: HTMLOutputElement, box: HTMLElement}} el */
  constructor(el) {
    this.el = el;
    /** Mono samples of the decoded clip, or null when the browser could not decode it (then the file goes up as is). */
    this.samples = null;
    this.sampleRate = 0;
    /** The original Blob and its file name. */
    this.blob = null;
    this.filename = '';
    for (const input of [el.start, el.end]) input.addEventListener('input', () => this.onTrim(input));
  }

  get hasClip() {
    return this.blob !== null;
  }

  /** Load a clip; returns false when the browser cannot decode it (upload still works, without trimming). */
  async load(blob, filename) {
    this.blob = blob;
    this.filename = filename;
    this.samples = null;
    try {
      // An OfflineAudioContext decodes without needing a user gesture or an audio device.
      const decoded = await new OfflineAudioContext(1, 1, 44100).decodeAudioData(await blob.arrayBuffer());
      this.sampleRate = decoded.sampleRate;
      this.samples = mixToMono(decoded);
    } catch {
      this.el.box.hidden = true;
      return false;
    }
    const seconds = this.samples.length / this.sampleRate;
    for (const input of [this.el.start, this.el.end]) input.max = seconds.toFixed(2);
    this.el.start.value = '0';
    this.el.end.value = seconds.toFixed(2);
    this.el.box.hidden = false;
    this.onTrim(null);
    return true;
  }

  /** Selected range in samples. */
  range() {
    const n = this.samples.length;
    const a = Math.min(n, Math.max(0, Math.round(Number(this.el.start.value) * this.sampleRate)));
    const b = Math.min(n, Math.max(a, Math.round(Number(this.el.end.value) * this.sampleRate)));
    return [a, b];
  }

  /** What to upload: the trimmed selection as WAV, or the original file when it could not be decoded here. */
  selection() {
    if (!this.samples) return { blob: this.blob, filename: this.filename };
    const [a, b] = this.range();
    return { blob: floatToWav(this.samples.subarray(a, b), this.sampleRate), filename: 'clip.wav' };
  }

  async preview() {
    if (!this.samples) return;
    const [a, b] = this.range();
    if (b <= a) return;
    this.ctx ??= new AudioContext();
    const buffer = this.ctx.createBuffer(1, b - a, this.sampleRate);
    buffer.copyToChannel(this.samples.subarray(a, b), 0);
    const source = this.ctx.createBufferSource();
    source.buffer = buffer;
    source.connect(this.ctx.destination);
    source.start();
  }

  onTrim(moved) {
    const { start, end } = this.el;
    // Keep start <= end whichever handle moved.
    if (Number(start.value) > Number(end.value)) {
      if (moved === start) end.value = start.value;
      else start.value = end.value;
    }
    this.el.startOut.value = Number(start.value).toFixed(2);
    this.el.endOut.value = Number(end.value).toFixed(2);
    this.draw();
  }

  draw() {
    const { canvas } = this.el;
    const g = canvas.getContext('2d');
    const { width: w, height: h } = canvas;
    g.clearRect(0, 0, w, h);
    if (!this.samples) return;
    const n = this.samples.length;
    const [a, b] = this.range();
    g.fillStyle = 'rgba(36, 87, 197, 0.12)';
    g.fillRect((a / n) * w, 0, ((b - a) / n) * w, h);
    g.fillStyle = '#2457c5';
    const step = Math.max(1, Math.floor(n / w));
    for (let x = 0; x < w; x++) {
      let peak = 0;
      const from = Math.floor((x / w) * n);
      for (let i = from; i < Math.min(n, from + step); i++) peak = Math.max(peak, Math.abs(this.samples[i]));
      const bar = Math.max(1, peak * h);
      g.fillRect(x, (h - bar) / 2, 1, bar);
    }
  }
}

function mixToMono(buffer) {
  const out = new Float32Array(buffer.length);
  for (let c = 0; c < buffer.numberOfChannels; c++) {
    const data = buffer.getChannelData(c);
    for (let i = 0; i < out.length; i++) out[i] += data[i] / buffer.numberOfChannels;
  }
  return out;
}

/** Microphone recording with MediaRecorder; resolves each take as a Blob (webm/opus in Chromium and Firefox, mp4 in Safari). */
export class Recorder {
  async start() {
    this.stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    this.chunks = [];
    this.recorder = new MediaRecorder(this.stream);
    this.recorder.addEventListener('dataavailable', (e) => this.chunks.push(e.data));
    this.recorder.start();
  }

  get recording() {
    return this.recorder?.state === 'recording';
  }

  /** @returns {Promise<Blob>} */
  stop() {
    return new Promise((resolve) => {
      this.recorder.addEventListener('stop', () => {
        for (const track of this.stream.getTracks()) track.stop();
        resolve(new Blob(this.chunks, { type: this.recorder.mimeType || 'audio/webm' }));
      }, { once: true });
      this.recorder.stop();
    });
  }
}
