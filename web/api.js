// Talking to the Parla API: JSON and multipart requests, the bearer key, and OpenAI error envelopes turned into messages.

/** An API failure with the server's own message (from {"error": {"message", "param", "code"}}). */
export class ApiError extends Error {
  constructor(message, status, code, param) {
    super(message);
    this.status = status;
    this.code = code;
    this.param = param;
  }
}

export function apiKey() {
  return sessionStorage.getItem('parla-api-key') ?? '';
}

export function setApiKey(key) {
  sessionStorage.setItem('parla-api-key', key);
}

function headers(extra = {}) {
  const key = apiKey();
  return key ? { ...extra, Authorization: `Bearer ${key}` } : extra;
}

/** Turn a non-2xx response into an ApiError carrying the envelope's message. */
export async function errorFrom(res) {
  let message = `${res.status} ${res.statusText}`;
  let code;
  let param;
  try {
    const body = await res.json();
    if (body?.error?.message) ({ message, code, param } = body.error);
  } catch {
    // not JSON: keep the status line
  }
  if (res.status === 429 || res.status === 503) {
    const retry = res.headers.get('Retry-After');
    if (retry) message += ` (retry in ${retry} s)`;
  }
  return new ApiError(message, res.status, code, param);
}

async function call(method, path, body) {
  const init = { method, headers: headers(body && !(body instanceof FormData) ? { 'Content-Type': 'application/json' } : {}) };
  if (body) init.body = body instanceof FormData ? body : JSON.stringify(body);
  const res = await fetch(path, init);
  if (!res.ok) throw await errorFrom(res);
  return res.json();
}

export const listVoices = () => call('GET', '/v1/audio/voices');
export const listModels = () => call('GET', '/v1/models');
export const deleteVoice = (id) => call('DELETE', `/v1/audio/voices/${encodeURIComponent(id)}`);

/** @param {Blob} audio @param {string} name @param {string} transcript */
export function createVoice(audio, filename, name, transcript) {
  const form = new FormData();
  form.append('name', name);
  if (transcript) form.append('transcript', transcript);
  form.append('file', audio, filename);
  return call('POST', '/v1/audio/voices', form);
}

/** Start a synthesis; resolves to the streaming Response once the server answered 200 (else throws ApiError). */
export async function speech(request, signal) {
  const res = await fetch('/v1/audio/speech', { method: 'POST', headers: headers({ 'Content-Type': 'application/json' }), body: JSON.stringify(request), signal });
  if (!res.ok) throw await errorFrom(res);
  return res;
}
