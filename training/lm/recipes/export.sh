#!/bin/sh
# Export an LM run (AR, NAR, drafter last.pt) on top of the shipped codec into a model folder that the
# runtime loads, ready for `parla eval tts --model OUT` and, when it beats the shipped model, models/default.
#
#   sh training/lm/recipes/export.sh [RUN_DIR] [OUT_DIR] [MODEL_ID]
#   (defaults: training/runs/lm/cpu1, /tmp/parla-lm, lm-<date>; needs `npm run build` for the symbol table;
#   NAR_STAGES=k ships NAR stages 1..k, default: the stages the NAR was trained on; AR=path/last.pt takes the AR
#   from another run, e.g. the phoneme-pointer fine-tune in RUN_DIR/arp; SAMPLING='{"temperature": 0}' writes the
#   model's recommended sampling settings; DESCRIPTION='...' its model.json description; AR_RECORD=training/
#   checkpoints/<name>.pt records the committed checkpoint of the AR for the bench's PyTorch reference)
set -e
PY=${PYTHON:-/usr/bin/python3}
RUN=${1:-training/runs/lm/cpu1}
OUT=${2:-/tmp/parla-lm}
ID=${3:-lm-$(date -u +%Y%m%d)}
mkdir -p "$OUT"
# The codec graphs and their model.json section (codec.id, training record, quality) come from the shipped model.
for f in model.json codec_encoder.onnx codec_decoder.onnx speaker_encoder.onnx speaker_encoder.json; do
  [ "$(realpath models/default/$f)" = "$(realpath -m "$OUT/$f")" ] || cp "models/default/$f" "$OUT/$f"
done
node -e "import('./dist/text/symbols.js').then((m) => console.log(JSON.stringify(m.SYMBOLS)))" > "$OUT/symbols.json"
"$PY" -m training.lm.export --ckpt "$RUN" --out "$OUT" --id "$ID" --symbols "$OUT/symbols.json" ${NAR_STAGES:+--nar-stages $NAR_STAGES} \
  ${AR:+--ar $AR} ${SAMPLING:+--sampling "$SAMPLING"} ${DESCRIPTION:+--description "$DESCRIPTION"} \
  ${AR_RECORD:+--ar-checkpoint-record $AR_RECORD}
rm "$OUT/symbols.json"
echo "exported $ID to $OUT: node bin/parla.js eval tts --model $OUT --set ci-tts"
