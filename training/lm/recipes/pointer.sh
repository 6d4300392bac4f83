#!/bin/sh
# The phoneme-pointer AR (docs/model-format.md, "Phoneme pointer"), fine-tuned on the 2-core CPU machine from the
# plain AR of cpu1.sh, next to cpu1.sh's NAR. Re-running resumes exactly.
#
#   sh training/lm/recipes/pointer.sh     # from the repository root; log in training/runs/lm/cpu1/arp/log.txt
#
# Steps: frame alignments of the training and held-out codes (5 min for 13 h of speech), then the fine-tune.
# On a fresh clone it starts from the committed pointer checkpoint when there is one, else from the plain AR.
set -e
PY=${PYTHON:-/usr/bin/python3}
DATA=training/cache/lm/c6648
RUN=training/runs/lm/cpu1
export OMP_WAIT_POLICY=PASSIVE MALLOC_MMAP_THRESHOLD_=${MALLOC_MMAP_THRESHOLD_:-131072}
[ -f $DATA/train.align.npz ] || "$PY" -m training.lm.align --manifest $DATA/train.jsonl --passes 8
[ -f $DATA/heldout_sentences.align.npz ] || "$PY" -m training.lm.align --manifest $DATA/heldout_sentences.jsonl \
  --tables-from $DATA/train.align.npz
mkdir -p $RUN/arp
if [ ! -f $RUN/arp/last.pt ] && [ -f training/checkpoints/lm-ar-pointer.pt ]; then
  cp training/checkpoints/lm-ar-pointer.pt $RUN/arp/last.pt
fi
INIT=${INIT:-$RUN/ar/last.pt}
[ -f "$INIT" ] || INIT=training/checkpoints/lm-ar.pt
# The pointer gives the exact phoneme of each frame; the aligned-attention loss (weight 0.5) keeps two heads in
# layers 1-2 on it too, so the rest of the text is read around it. 6 advance classes cover 99.998% of the moves.
nohup "$PY" -m training.lm.train --model ar --out $RUN/arp --init-from "$INIT" --pointer-classes 6 \
  --manifest $DATA/train.jsonl --val-manifest $DATA/heldout_sentences.jsonl --val-batches 4 --batch-size 32 \
  --lr 1e-3 --warmup 100 --steps ${STEPS:-1600} --ckpt-every 50 --threads 1 --max-frames 2500 --group-size 2 \
  --align-weight 0.5 --audio-noise 0.2 >> $RUN/arp.out 2>&1 &
echo "started: tail -f $RUN/arp/log.txt"
