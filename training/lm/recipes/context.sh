#!/bin/sh
# The pointer AR with pointer context and scheduled sampling (docs/model-format.md, "Phoneme pointer"; the fifth
# session's runs), on the 2-core CPU machine: two fine-tunes side by side, one core each, from the same start:
#   arc: Kathleen + the synthetic voices (the bundled voices' engines), no speechocean762;
#   ark: Kathleen alone (the in-speaker evaluation's speaker).
# Re-running resumes both exactly; on a fresh clone they start from the committed checkpoint.
#
#   sh training/lm/recipes/context.sh     # from the repository root; logs in training/runs/lm/cpu1/ar{c,k}/log.txt
#
# How the start (training/checkpoints/lm-ar-context-start.pt, not committed: see training/README.md) was made
# from lm-ar-pointer.pt: 250 steps on all the data with --pointer-context 8 (lr 5e-4), then 50 on Kathleen alone,
# then 50 more with --self-feed 0.5.
set -e
PY=${PYTHON:-/usr/bin/python3}
DATA=training/cache/lm/c6648
RUN=training/runs/lm/cpu1
export OMP_WAIT_POLICY=PASSIVE MALLOC_MMAP_THRESHOLD_=${MALLOC_MMAP_THRESHOLD_:-131072}
[ -f $DATA/train.align.npz ] || "$PY" -m training.lm.align --manifest $DATA/train.jsonl --passes 8
grep -v '"family": "speechocean762"' $DATA/train.jsonl > $DATA/clean.jsonl
grep '"family": "kathleen"' $DATA/train.jsonl > $DATA/kathleen.jsonl
START=${START:-training/checkpoints/lm-ar-context-start.pt}
for v in arc ark; do
  manifest=$DATA/clean.jsonl
  [ $v = ark ] && manifest=$DATA/kathleen.jsonl
  init="--init-from $START"
  [ -f $RUN/$v/last.pt ] && init=""  # resume
  mkdir -p $RUN/$v
  # --self-feed 0.5: half the fed target groups are the model's own samples (free-running decoding drifted
  # where teacher-forced predictions did not); --audio-noise lowered to 0.1 to leave the history half real.
  nohup "$PY" -m training.lm.train --model ar --out $RUN/$v $init --pointer-classes 6 --pointer-context 8 \
    --manifest $manifest --alignments $DATA/train.align.npz --val-manifest $DATA/heldout_sentences.jsonl \
    --val-batches 4 --batch-size 32 --lr 5e-4 --warmup 20 --steps ${STEPS:-1200} --ckpt-every 50 --threads 1 \
    --max-frames 2500 --group-size 2 --align-weight 0.5 --audio-noise 0.1 --self-feed 0.5 \
    --max-minutes ${MINUTES:-100} >> $RUN/$v.out 2>&1 &
done
echo "started: tail -f $RUN/arc/log.txt $RUN/ark/log.txt"
