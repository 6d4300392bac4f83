#!/bin/sh
# The shipped AR (models/default, fifth session): the phoneme-pointer AR with pointer context and scheduled
# sampling, fine-tuned on Kathleen alone on the 2-core CPU machine. Re-running resumes exactly; on a fresh clone it
# continues from the committed slim checkpoint (weights and step, a fresh optimizer).
#
#   sh training/lm/recipes/context.sh     # from the repository root; log in training/runs/lm/cpu1/ark/log.txt
#
# How it started (training/README.md, fifth session): from training/checkpoints/lm-ar-pointer.pt, 250 steps on all
# the data with --pointer-context 8 (lr 5e-4), 50 on Kathleen alone, 50 more with --self-feed 0.5, then this run.
# The same run on Kathleen + the synthetic voices (the bundled voices' engines) was worse on every measure.
set -e
PY=${PYTHON:-/usr/bin/python3}
DATA=training/cache/lm/c6648
RUN=training/runs/lm/cpu1/ark
export OMP_WAIT_POLICY=PASSIVE MALLOC_MMAP_THRESHOLD_=${MALLOC_MMAP_THRESHOLD_:-131072}
[ -f $DATA/train.align.npz ] || "$PY" -m training.lm.align --manifest $DATA/train.jsonl --passes 8
[ -f $DATA/heldout_sentences.align.npz ] || "$PY" -m training.lm.align --manifest $DATA/heldout_sentences.jsonl \
  --tables-from $DATA/train.align.npz
grep '"family": "kathleen"' $DATA/train.jsonl > $DATA/kathleen.jsonl
mkdir -p $RUN
[ -f $RUN/last.pt ] || cp training/checkpoints/lm-ar-context.pt $RUN/last.pt
# --self-feed 0.5: half the fed target groups are the model's own samples (free-running decoding drifted where
# teacher-forced predictions did not); --audio-noise lowered to 0.1 to leave the history half real.
nohup "$PY" -m training.lm.train --model ar --out $RUN --pointer-classes 6 --pointer-context 8 \
  --manifest $DATA/kathleen.jsonl --alignments $DATA/train.align.npz --val-manifest $DATA/heldout_sentences.jsonl \
  --val-batches 4 --batch-size 32 --lr 5e-4 --warmup 20 --steps ${STEPS:-1200} --ckpt-every 50 --threads 1 \
  --max-frames 2500 --group-size 2 --align-weight 0.5 --audio-noise 0.1 --self-feed 0.5 \
  --max-minutes ${MINUTES:-100} >> $RUN.out 2>&1 &
echo "started: tail -f $RUN/log.txt"
