#!/bin/sh
# What the next lent GPU should run (device tool: one call of at most 10 minutes; a session has 15 minutes of device
# time, starting the machine included). Three ARs share the one GPU for MINUTES (default 8), the learning rate
# decaying over that wall time (--time-schedule), on every training speaker, all with condition dropout
# (--uncond-drop 0.2), each keeping its weights at the best held-out loss (best.pt):
#   BD  the tenth session's all-speaker AR "B" (training/checkpoints/lm-ar-gpu2b.pt: d 256, 6 layers, G = 2)
#       continued, Kathleen twice. B reads Kathleen about as well as the shipped AR without guidance and clones a
#       little (similarity 0.28), but guidance does nothing for it without the dropout (training/README.md,
#       twenty-seventh session), which took the Kathleen-only AR from 53.7% to 42.9% (twenty-fifth session). B
#       overfit after about 1,000 more steps at lr 5e-4 (B2, eleventh session): a lower rate here, and the best
#       weights come back.
#   BK  the same with Kathleen four times: the in-speaker bar is in her voice.
#   BS  B's size and recipe from scratch with the dropout (B itself: 2,335 steps in 8.5 minutes), Kathleen twice.
# The NAR (recipes/gpu-nar.sh) needs all eight codebooks, 40 MB for the 13,114 training utterances: it does not
# fit beside these in the 64 MiB that travel.
#
# Here, before the call (the tree that travels must stay under 64 MiB: models and checkpoints are stashed; gpu/ is
# git-ignored and carried, 32 MB with B's weights):
#   python -m training.lm.align --manifest training/cache/lm/c6648/heldout_sentences.jsonl \
#     --tables-from training/cache/lm/c6648/train.align.npz
#   python -m training.lm.device_data --out gpu/lm                         # codebook 0, what the AR reads
#   python -m training.lm.device_data --pack-checkpoint training/checkpoints/lm-ar-gpu2b.pt gpu/ar-b.pt
#   mkdir -p ../stash && mv models/default/*.onnx training/checkpoints/*.pt ../stash/
# then run(command="sh training/lm/recipes/gpu-next.sh", carry=["gpu"], timeout_s=590), move the stashed files back,
# and unpack each returned checkpoint: python -m training.lm.device_data --unpack $files_at/BD.pt OUT.pt; export
# over the shipped codec as in recipes/export.sh (model.json's "ar" from the export: six layers) and judge with
# guidance 1 on tts-kathleen-rest and tts-zeroshot-rest, one candidate, several seeds (twenty-fifth session).
# Smoke test on a CPU (checked 2026-11-29): DEVICE=cpu MINUTES=0.3 BATCH=4 FRAMES=1500 sh training/lm/recipes/gpu-next.sh
set -e
export PYTHONUNBUFFERED=1 PYTHONPATH=. PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True
PY=${PYTHON:-python3}
D=gpu/lm; M=${MINUTES:-8}; DEVICE=${DEVICE:-cuda}
BATCH=${BATCH:-128}; FRAMES=${FRAMES:-20000}
nvidia-smi -L || true
sh training/lm/recipes/gpu-kathleen.sh $D 2
sh training/lm/recipes/gpu-kathleen.sh $D 4
$PY -m training.lm.device_data --unpack gpu/ar-b.pt gpu/ar-b-full.pt
common="--val-manifest $D/heldout_sentences.jsonl --val-batches 4 --device $DEVICE --ckpt-every 1000 \
 --max-minutes $M --time-schedule --threads 2 --batch-size $BATCH --max-frames $FRAMES --steps 1000000"
ar="--model ar --group-size 2 --alignments $D/train.align.npz --pointer-classes 6 --pointer-context 8 \
 --align-weight 0.5 --audio-noise 0.1 --self-feed 0.3 --uncond-drop 0.2"
$PY -m training.lm.train --out runs/BD --manifest $D/train-k2.jsonl --init-from gpu/ar-b-full.pt $ar --lr 2e-4 \
  --warmup 100 $common > runs.BD.out 2>&1 &
$PY -m training.lm.train --out runs/BK --manifest $D/train-k4.jsonl --init-from gpu/ar-b-full.pt $ar --lr 2e-4 \
  --warmup 100 $common > runs.BK.out 2>&1 &
$PY -m training.lm.train --out runs/BS --manifest $D/train-k2.jsonl --n-layers 6 $ar --lr 1e-3 --warmup 300 \
  $common > runs.BS.out 2>&1 &
sleep 90; nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv || true
wait
sh training/lm/recipes/gpu-collect.sh BD BK BS
