// Parla web UI: wires the page to the API (voices, synthesis), the clip editor and the session history.
import { ApiError, apiKey, createVoice, deleteVoice, listModels, listVoices, setApiKey, speech } from './api.js';
import { ClipEditor, Recorder } from './clip-editor.js';
import { addHistory } from './history.js';
import { EXTENSION, receiveAudio } from './player.js';

const $ = (id) => document.getElementById(id);
const ui = {
  text: $('text'), textCount: $('text-count'), voice: $('voice'), deleteVoice: $('delete-voice'),
  temperature: $('temperature'), topP: $('top-p'), speed: $('speed'), seed: $('seed'), format: $('format'),
  ras: $('ras'), speculative: $('speculative'), normalize: $('normalize'), progressive: $('progressive'),
  takes: $('takes'), retries: $('retries'),
  generate: $('generate'), cancel: $('cancel'), progressBox: $('progress-box'), progressText: $('progress-text'),
  status: $('status'), error: $('error'), player: $('player'), download: $('download'),
  voiceFile: $('voice-file'), record: $('record'), previewClip: $('preview-clip'), voiceName: $('voice-name'),
  voiceTranscript: $('voice-transcript'), saveVoice: $('save-voice'), voiceStatus: $('voice-status'),
  history: $('history'), historyEmpty: $('history-empty'), apiKey: $('api-key'), cloningNote: $('cloning-note'),
  voiceError: $('voice-error'),
};
const editor = new ClipEditor({ canvas: $('waveform'), start: $('trim-start'), end: $('trim-end'), startOut: $('trim-start-value'), endOut: $('trim-end-value'), box: $('clip-editor') });
const recorder = new Recorder();
let running = null;

/** Errors show where the user acted: `box` is the Speak section's error line or the voice section's, scrolled into view. */
function showError(err, box = ui.error) {
  const message = err instanceof ApiError ? `${err.message}${err.param ? ` (field: ${err.param})` : ''}` : `Could not reach the server: ${err.message}`;
  box.textContent = message;
  box.hidden = false;
  box.scrollIntoView?.({ block: 'nearest' });
}

function clearError(box = ui.error) {
  box.hidden = true;
  box.textContent = '';
}

const showVoiceError = (err) => showError(err, ui.voiceError);
const clearVoiceError = () => clearError(ui.voiceError);

async function refreshVoices(select) {
  try {
    const { voices, openai_aliases: aliases = {} } = await listVoices();
    const current = select ?? ui.voice.value;
    ui.voice.replaceChildren(...voices.map((v) => new Option(`${v.name} (${v.origin === 'bundled' ? 'bundled' : 'yours'}, ${v.durationSeconds.toFixed(1)} s)`, v.id)));
    // A voice of the user's own named after an OpenAI voice is listed once, as itself.
    for (const [name, id] of Object.entries(aliases)) if (!voices.some((v) => v.id === name)) ui.voice.append(new Option(`${name} → ${id}`, name));
    if (voices.length === 0) ui.voice.append(new Option('No voices yet: create one below', ''));
    if ([...ui.voice.options].some((o) => o.value === current)) ui.voice.value = current;
    ui.voice.dataset.origins = JSON.stringify(Object.fromEntries(voices.map((v) => [v.id, v.origin])));
    updateVoiceButtons();
    return null;
  } catch (err) {
    showError(err);
    return err;
  }
}

/**
 * Only a voice of the user's own can be deleted (bundled voices are read-only, and an OpenAI name only points at
 * one); Generate needs a voice.
 */
function updateVoiceButtons() {
  const origins = JSON.parse(ui.voice.dataset.origins ?? '{}');
  const own = origins[ui.voice.value] === 'user';
  ui.deleteVoice.disabled = !own;
  ui.deleteVoice.title = own ? '' : ui.voice.value ? 'Bundled voices and OpenAI names cannot be deleted' : 'No voice selected';
  ui.generate.disabled = running !== null || !ui.voice.value;
  ui.generate.title = ui.voice.value ? '' : ui.voice.options.length === 0 ? 'Waiting for the server' : 'Choose or create a voice first';
}

function request() {
  const body = {
    model: 'parla',
    input: ui.text.value,
    voice: ui.voice.value,
    response_format: ui.format.value,
    speed: Number(ui.speed.value),
    temperature: Number(ui.temperature.value),
    top_p: Number(ui.topP.value),
    ras: ui.ras.checked,
    speculative: ui.speculative.checked,
    normalize: ui.normalize.checked,
  };
  if (ui.seed.value !== '') body.seed = Number(ui.seed.value);
  if (ui.takes.value !== '') body.candidates = Number(ui.takes.value);
  // Left out when checked: the model's own threshold applies (and a streamed first sentence is not retried).
  if (!ui.retries.disabled && !ui.retries.checked) body.retry_above = 0;
  return body;
}

async function generate() {
  clearError();
  const body = request();
  const controller = new AbortController();
  running = controller;
  ui.generate.disabled = true;
  ui.cancel.disabled = false;
  ui.download.hidden = true;
  ui.progressBox.hidden = false;
  ui.progressText.textContent = 'Waiting for the first audio…';
  ui.status.textContent = 'Generating…';
  const started = performance.now();
  try {
    const res = await speech(body, controller.signal);
    const seed = res.headers.get('X-Parla-Seed');
    const { blob, playable } = await receiveAudio(res, {
      format: body.response_format,
      audio: ui.player,
      progressive: ui.progressive.checked,
      onProgress: (bytes, seconds) => {
        ui.progressText.textContent = `Received ${(bytes / 1024).toFixed(0)} KB${seconds === undefined ? '' : ` (about ${seconds.toFixed(1)} s of audio)`} in ${((performance.now() - started) / 1000).toFixed(1)} s`;
      },
    });
    const url = URL.createObjectURL(blob);
    const filename = `parla-${body.voice}-${seed}.${EXTENSION[body.response_format]}`;
    ui.download.href = url;
    ui.download.download = filename;
    ui.download.textContent = `Download ${body.response_format.toUpperCase()}`;
    ui.download.hidden = false;
    ui.status.textContent = `Done in ${((performance.now() - started) / 1000).toFixed(1)} s (seed ${seed}).`;
    addHistory(ui.history, ui.historyEmpty, body, seed, playable, url, filename);
  } catch (err) {
    if (err.name === 'AbortError') ui.status.textContent = 'Cancelled.';
    else {
      ui.status.textContent = 'Failed.';
      showError(err);
      // The player would otherwise still hold the previous result beside "Failed." (it stays in the history).
      ui.player.removeAttribute('src');
      ui.player.load();
    }
  } finally {
    running = null;
    ui.cancel.disabled = true;
    ui.progressBox.hidden = true;
    updateVoiceButtons();
  }
}

async function saveVoice() {
  clearVoiceError();
  if (!editor.hasClip) return showVoiceError(new ApiError('Choose an audio file or record a clip first.', 0));
  if (!ui.voiceName.value.trim()) return showVoiceError(new ApiError('Give the voice a name.', 0, undefined, 'name'));
  ui.saveVoice.disabled = true;
  ui.voiceStatus.textContent = 'Encoding the voice…';
  try {
    const { blob, filename } = editor.selection();
    const info = await createVoice(blob, filename, ui.voiceName.value.trim(), ui.voiceTranscript.value.trim());
    await refreshVoices(info.id);
    const paced = info.promptTempo ? `, sped up ${info.promptTempo}x to the model's pace` : '';
    const cropped = info.promptCroppedFrom ? `, the first part of ${info.promptCroppedFrom.toFixed(1)} s: the model reads best from a short prompt` : '';
    ui.voiceStatus.textContent = `Saved voice “${info.name}” (${info.id}, ${info.durationSeconds.toFixed(1)} s of speech${paced}${cropped}).`;
  } catch (err) {
    ui.voiceStatus.textContent = 'Not saved.';
    showVoiceError(err);
  } finally {
    ui.saveVoice.disabled = false;
  }
}

async function loadClip(blob, filename) {
  clearVoiceError();
  const ok = await editor.load(blob, filename);
  const type = blob.type ? ` (${blob.type})` : '';
  ui.voiceStatus.textContent = ok
    ? 'Clip loaded: trim it if needed, then save.'
    : `This browser cannot decode ${filename}${type}, so it cannot be previewed or trimmed here. Saving uploads it whole; the server says whether it is audio it can read.`;
}

async function toggleRecording() {
  clearVoiceError();
  try {
    if (recorder.recording) {
      const blob = await recorder.stop();
      ui.record.textContent = 'Record from microphone';
      ui.record.setAttribute('aria-pressed', 'false');
      await loadClip(blob, 'recording.webm');
    } else {
      await recorder.start();
      ui.record.textContent = 'Stop recording';
      ui.record.setAttribute('aria-pressed', 'true');
      ui.voiceStatus.textContent = 'Recording… speak now.';
    }
  } catch (err) {
    showVoiceError(new ApiError(`Microphone unavailable: ${err.message}`, 0));
  }
}

async function removeVoice() {
  clearError();
  const id = ui.voice.value;
  if (!id || !confirm(`Delete voice "${id}" from the library?`)) return;
  try {
    await deleteVoice(id);
    ui.status.textContent = `Deleted voice ${id}.`;
    await refreshVoices();
  } catch (err) {
    showError(err);
  }
}

/** Start the sampling controls at the model's recommended settings (GET /v1/models), where it has any. */
async function applyModelDefaults() {
  try {
    const model = (await listModels()).data?.[0] ?? {};
    showCloningNote(model.voice_cloning);
    // Back to the page's own default first: a key entered later must not stack one model's settings on another's.
    ui.takes.options[0].textContent = 'Model default';
    const sampling = model.sampling ?? {};
    // Dispatching "input" lets bindOutputs update the value shown beside each slider.
    const set = (input, value) => {
      input.value = String(value);
      input.dispatchEvent(new Event('input'));
    };
    if (typeof sampling.temperature === 'number') set(ui.temperature, sampling.temperature);
    if (typeof sampling.top_p === 'number') set(ui.topP, sampling.top_p);
    if (typeof sampling.ras === 'boolean') ui.ras.checked = sampling.ras;
    if (typeof sampling.candidates === 'number') ui.takes.options[0].textContent = `Model default (${sampling.candidates})`;
    // Retries need the model's threshold (model.json sampling.retry_above): without one the box stays off.
    const retries = typeof sampling.retry_above === 'number' && sampling.retry_above > 0;
    ui.retries.disabled = !retries;
    ui.retries.checked = retries;
    return true;
  } catch {
    // the model is still loading or the key is missing: connect() tries again
    return false;
  }
}

/**
 * Says, before anyone records, how far the model clones a voice (its card's measure, GET /v1/models voice_cloning):
 * a model that keeps its own timbre should not leave users wondering why their voice does not come back.
 */
function showCloningNote(cloning) {
  ui.cloningNote.hidden = !cloning || cloning.clones;
  if (ui.cloningNote.hidden) return;
  const measured = `speaker similarity ${cloning.similarity.toFixed(2)} to voices it never heard, where two recordings of one person score ${cloning.real_real_similarity.toFixed(2)}`;
  ui.cloningNote.textContent =
    cloning.ratio < 0.25
      ? `This model does not clone voices yet (${measured}): a voice you save sets the pace and delivery, but the timbre stays the model's own.`
      : `This model clones voices only in part (${measured}).`;
  ui.cloningNote.hidden = false;
}

function bindOutputs() {
  const pairs = [[ui.temperature, 'temperature-value', 1], [ui.topP, 'top-p-value', 2], [ui.speed, 'speed-value', 2]];
  for (const [input, out, digits] of pairs) input.addEventListener('input', () => ($(out).value = Number(input.value).toFixed(digits)));
  const count = () => (ui.textCount.textContent = String(ui.text.value.length));
  ui.text.addEventListener('input', count);
  count();
}

ui.generate.addEventListener('click', generate);
ui.cancel.addEventListener('click', () => running?.abort());
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && running) running.abort();
});
ui.text.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !ui.generate.disabled) generate();
});
ui.saveVoice.addEventListener('click', saveVoice);
ui.record.addEventListener('click', toggleRecording);
ui.previewClip.addEventListener('click', () => editor.preview());
ui.deleteVoice.addEventListener('click', removeVoice);
ui.voiceFile.addEventListener('change', () => {
  const file = ui.voiceFile.files?.[0];
  if (file) {
    if (!ui.voiceName.value) ui.voiceName.value = file.name.replace(/\.[^.]+$/, '');
    loadClip(file, file.name);
  }
});
ui.voice.addEventListener('change', updateVoiceButtons);

/**
 * Voices and the model's settings. While the model is still loading (503), or a key is missing, the page says so
 * and tries again after the server's Retry-After, so that a page opened with the server does not stay empty.
 */
let retryTimer;
async function connect() {
  clearTimeout(retryTimer);
  const voicesFailure = await refreshVoices();
  const modelOk = await applyModelDefaults();
  if (!voicesFailure && modelOk) {
    clearError();
    return;
  }
  if (voicesFailure?.status === 401) return; // waits for the key (Connection, below)
  const seconds = 5;
  ui.status.textContent = `Waiting for the server; trying again in ${seconds} s…`;
  retryTimer = setTimeout(() => {
    ui.status.textContent = '';
    connect();
  }, seconds * 1000);
}

ui.apiKey.value = apiKey();
ui.apiKey.addEventListener('change', () => {
  setApiKey(ui.apiKey.value.trim());
  clearError();
  connect();
});
bindOutputs();
updateVoiceButtons();
connect();
