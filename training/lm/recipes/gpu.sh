#!/bin/sh
# Continue the LM on the lent GPU machine (device tool), one call of at most 10 minutes at a time:
#
#   run(command="sh training/lm/recipes/gpu.sh", carry=["training/cache/lm/c6648"])
#
# The first call starts from the committed CPU weights (training/checkpoints/lm-*.pt, slim: a fresh
# optimizer) unless training/runs/lm/gpu1 already holds a run (it survives between calls while the machine
# stays warm). Each call trains the AR, NAR and drafter side by side on the one GPU for MINUTES (default 8),
# checkpoints, and copies slim checkpoints to $OUT; bring them back into training/checkpoints/ and export.
set -e
PY=${PYTHON:-python3}
DATA=training/cache/lm/c6648
RUN=training/runs/lm/gpu1
for k in ar nar draft; do
  if [ ! -f $RUN/$k/last.pt ] && [ -f training/checkpoints/lm-$k.pt ]; then
    mkdir -p $RUN/$k && cp training/checkpoints/lm-$k.pt $RUN/$k/last.pt
  fi
done
# Architecture comes from the checkpoint when resuming; the sizes below only matter for a fresh start.
common="--manifest $DATA/train.jsonl --val-manifest $DATA/heldout_sentences.jsonl --val-batches 4 --device cuda \
  --batch-size 256 --max-frames ${MAX_FRAMES:-40000} --lr 1e-3 --warmup 200 --steps ${STEPS:-20000} \
  --ckpt-every 500 --max-minutes ${MINUTES:-8} --threads 4"
$PY -m training.lm.train --model ar --out $RUN/ar $common --group-size 2 --d-model 256 --n-layers 4 --n-heads 4 --guided-weight 2 --guided-sigma 0.1 --audio-noise 0.2 &
$PY -m training.lm.train --model nar --out $RUN/nar $common --d-model 256 --n-layers 4 --n-heads 4 --max-stage 2 &
$PY -m training.lm.train --model draft --out $RUN/draft $common --group-size 2 --d-model 128 --n-layers 2 --n-heads 2 --guided-weight 2 --guided-layers 0,1 &
wait
tail -n 3 $RUN/*/log.txt
if [ -n "$OUT" ]; then
  for k in ar nar draft; do $PY -m training.lm.checkpoint $RUN/$k/last.pt "$OUT/lm-$k.pt"; done
fi
