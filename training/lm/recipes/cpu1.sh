#!/bin/sh
# The first CPU-trained LM (2-core machine): AR (G=2), NAR and drafter trained side by side, one core
# each for the AR and NAR, the drafter niced onto what is left. Re-running resumes each run exactly.
#
#   sh training/lm/recipes/cpu1.sh            # from the repository root; logs in training/runs/lm/cpu1/*/log.txt
#
# Needs the codes made by the shipped codec (codec-cpu1-step6648):
#   python3 -m training.lm.extract_codes --codec=training/checkpoints/codec-cpu1-last.pt \
#       --manifest=training/cache/corpus/train.jsonl --out=training/cache/lm/c6648
#   (and the same with --manifest=training/cache/corpus/heldout_sentences.jsonl for the validation loss)
set -e
PY=${PYTHON:-/usr/bin/python3}
DATA=training/cache/lm/c6648
RUN=training/runs/lm/cpu1
export OMP_WAIT_POLICY=PASSIVE
# Batches of ever-different shapes fragment glibc's heap: without this the AR grew to 10 GB of RSS in an
# hour and was OOM-killed. Large blocks straight from mmap go back to the system when freed.
export MALLOC_MMAP_THRESHOLD_=${MALLOC_MMAP_THRESHOLD_:-131072}
mkdir -p "$RUN"
# On a fresh clone, continue from the committed slim checkpoints (weights + step; a fresh optimizer).
for k in ar nar draft; do
  if [ ! -f $RUN/$k/last.pt ] && [ -f training/checkpoints/lm-$k.pt ]; then
    mkdir -p $RUN/$k && cp training/checkpoints/lm-$k.pt $RUN/$k/last.pt
  fi
done
# Length-bucketed batches of up to 4000 frames (80 s of audio): ~2.3 s per AR step on one core here;
# the NAR costs ~2.5x the AR per frame, so it gets smaller batches. One thread each: a second thread
# speeds an AR step up by only ~15% on this machine.
common="--manifest $DATA/train.jsonl --val-manifest $DATA/heldout_sentences.jsonl --val-batches 4 \
  --batch-size 32 --lr 1e-3 --warmup 200 --steps ${STEPS:-2500} --ckpt-every 100 --threads 1"
# From step 1100 on: the AR with guided attention (it ignored the text until then: same validation loss with
# a wrong transcript; sigma 0.1 from step 1300) and, from step 1400, 20% of its fed audio groups randomised;
# the NAR on stages 1-3, then from step 1400 on stages 1-2 only (the runtime decodes the codebooks of the
# stages that help; see docs/model-format.md).
nohup $PY -m training.lm.train --model ar --out $RUN/ar $common --max-frames 4000 --group-size 2 --d-model 256 --n-layers 4 --n-heads 4 \
  --guided-weight 2 --guided-sigma 0.1 --audio-noise 0.2 >> $RUN/ar.out 2>&1 &
nohup $PY -m training.lm.train --model nar --out $RUN/nar $common --max-frames 2500 --d-model 256 --n-layers 4 --n-heads 4 \
  --max-stage 2 >> $RUN/nar.out 2>&1 &
# DRAFTER=0 leaves both cores to the AR and NAR (as in the third session, when the AR had to learn to read).
if [ "${DRAFTER:-1}" = 1 ]; then
  nohup nice -n 10 $PY -m training.lm.train --model draft --out $RUN/draft $common --max-frames 4000 --group-size 2 --d-model 128 \
    --n-layers 2 --n-heads 2 --guided-weight 2 --guided-layers 0,1 --audio-noise 0.2 >> $RUN/draft.out 2>&1 &
fi
echo "started: tail -f $RUN/*/log.txt"
