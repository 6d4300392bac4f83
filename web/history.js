// The session's generations: text, voice and settings, a player and a download link each (kept in memory only).

/** Prepend one generation (its settings, a player, a download link) to the session's list. */
export function addHistory(list, emptyNote, body, seed, playable, url, filename) {
  emptyNote.hidden = true;
  const li = document.createElement('li');
  const label = document.createElement('p');
  const snippet = body.input.length > 80 ? `${body.input.slice(0, 80)}…` : body.input;
  label.textContent = `“${snippet}” (${body.voice}, ${body.response_format}, seed ${seed}, T ${body.temperature}, top-p ${body.top_p}, ${body.speed}x)`;
  const audio = document.createElement('audio');
  audio.controls = true;
  audio.src = URL.createObjectURL(playable);
  audio.setAttribute('aria-label', `Generation: ${snippet}`);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.textContent = `Download ${filename}`;
  li.append(label, audio, link);
  list.prepend(li);
}
