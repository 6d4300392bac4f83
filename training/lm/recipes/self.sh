#!/bin/sh
# Rejection-sampling fine-tuning (twentieth session, training/README.md): the shipped engine speaks every Kathleen
# training sentence with its recommended settings (four candidates spliced by words as the audio reader hears them
# best, retries), each prompted by another real Kathleen utterance of 3-6 s, and the AR is fine-tuned on the codes it
# chose, under the conditioning that produced them (training/lm/self_data.py: reference mode, the named prompt and
# its transcript, the pointer's own alignment).
#
#   npm run build && sh training/lm/recipes/self.sh      # from the repository root; log in training/runs/lm/self1/ar/log.txt
#
# Generation (about 20 minutes on the 2-core machine) resumes where it stopped; MINUTES bounds the training (the
# learning rate decays over that wall time).
set -e
PY=${PYTHON:-/usr/bin/python3}
DATA=training/cache/lm/self1
RUN=training/runs/lm/self1/ar
export OMP_WAIT_POLICY=PASSIVE PYTHONPATH=.
mkdir -p $DATA $RUN
node training/lm/self_generate.mjs $DATA/gen.jsonl --family kathleen --prompts 48 --concurrency 3
"$PY" -m training.lm.self_data --generated $DATA/gen.jsonl --out $DATA/train.jsonl
INIT=""
[ -f $RUN/last.pt ] || INIT="--init-from training/checkpoints/lm-ar-context.pt"
"$PY" -m training.lm.train --model ar --out $RUN $INIT --pointer-classes 6 --pointer-context 8 \
  --manifest $DATA/train.jsonl --batch-size 32 --lr ${LR:-3e-4} --warmup 20 --steps 100000 --ckpt-every 25 \
  --threads ${THREADS:-2} --max-frames 2500 --group-size 2 --align-weight 0.5 --audio-noise 0.1 --self-feed 0.5 \
  --max-minutes ${MINUTES:-45} --time-schedule
