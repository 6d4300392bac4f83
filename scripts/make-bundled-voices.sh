#!/bin/sh
# Regenerates Parla's bundled voices (voices/<id>/) from synthetic speech made on this machine by the
# Debian TTS engines (flite, festival, espeak-ng): no recorded person's voice is bundled.
#
#   npm run build && scripts/make-bundled-voices.sh [model dir]   # default: models/default
#
# Each prompt is one sentence written for this script, synthesized into a temporary folder (deleted on
# exit), then cloned with `parla voices add --id <id> --bundled`: the voice pipeline decodes, resamples
# to the codec's rate, trims silence, levels loudness and stores the codec codes + transcript phonemes.
# Voices are tied to the codec (model.json `codec.id`): run this again after shipping a new codec.
# The engines are deterministic, so the codes only change when the codec does. OpenAI voice names are
# mapped onto these ids in voices/aliases.json (hand-written; keep it in step with the ids below).
set -eu
cd "$(dirname "$0")/.."
MODEL=${1:-models/default}
VOICES=voices
MIN_SECONDS=3
MAX_SECONDS=6
# Every prompt is sped up 1.15x (sox tempo: pitch kept) before it is saved: the shipped model speaks at about the
# pace of its prompt, and the engines' default pace is slow for it. The six voices made so, 30 held-out texts x 2
# seeds: 40.1% WER against 43.6% with the unhurried prompts (training/README.md, sixteenth session).
PROMPT_TEMPO=1.15

[ -f dist/cli/main.js ] || { echo "dist/ is missing: run 'npm run build' first" >&2; exit 1; }
for tool in flite text2wave espeak-ng sox; do
  command -v "$tool" >/dev/null || { echo "$tool is not installed (Debian: apt-get install flite festival festvox-us-slt-hts espeak-ng sox)" >&2; exit 1; }
done

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# add <id> <name> <engine> <engine voice> <transcript>
add() {
  id=$1 name=$2 engine=$3 voice=$4 text=$5
  printf '%s\n' "$text" >"$TMP/$id.txt"
  case $engine in
    flite) flite -voice "$voice" -f "$TMP/$id.txt" -o "$TMP/$id.wav" ;;
    festival) text2wave "$TMP/$id.txt" -o "$TMP/$id.wav" -eval "($voice)" >/dev/null ;;
    espeak) espeak-ng -v "$voice" -f "$TMP/$id.txt" -w "$TMP/$id.wav" ;;
    *) echo "unknown engine $engine" >&2; exit 1 ;;
  esac
  sox -D "$TMP/$id.wav" "$TMP/$id-tempo.wav" tempo -s "$PROMPT_TEMPO"   # -D: no dither, so the output is repeatable
  out=$(node bin/parla.js voices add "$name" "$TMP/$id-tempo.wav" --id "$id" --bundled --transcript "$text" -m "$MODEL" --dir "$VOICES")
  seconds=$(printf '%s\n' "$out" | sed -n 's/.*(\([0-9.]*\) s)$/\1/p')
  echo "$id: $out [$engine $voice]"
  # Prompts of 3-6 s after trimming: long enough to carry the voice, short enough to leave room for text.
  awk -v s="$seconds" -v lo="$MIN_SECONDS" -v hi="$MAX_SECONDS" 'BEGIN { exit !(s >= lo && s <= hi) }' ||
    { echo "$id: prompt is ${seconds:-?} s after trimming, outside $MIN_SECONDS-$MAX_SECONDS s: change its sentence" >&2; exit 1; }
}

add slt "Sally" flite slt "Hello, and welcome. I can read your text aloud, clearly and at an easy pace."
add slt-hts "Susan" festival voice_cmu_us_slt_arctic_hts "The garden was full of roses, and the evening air smelled of summer rain."
add eve "Eve" espeak en-us+f3 "Good morning. Here is the news, the weather, and a short story to start your day."
add rms "Robert" flite rms "The library opens at nine, and the reading room is quiet all morning."
add awb "Alan" flite awb "A small boat crossed the harbour while the fog lifted over the hills."
add kal "Karl" flite kal16 "Please leave a message after the tone, and I will call you back soon."
