#!/bin/sh
# The AR on the lent GPU machine (device tool): one call of at most 10 minutes, within a session's 15 minutes of
# device time. Three runs share the one GPU, each for MINUTES (default 8):
#   A  the shipped AR (training/checkpoints/lm-ar-context.pt) continued on all the training speakers;
#   B  the same with Kathleen's utterances 4 times over (her in-speaker quality kept while the rest is learnt);
#   C  a larger AR from scratch (d 384, 6 layers), the same data.
#
# Here, before the call (the tree that travels must stay under 64 MiB, and the committed model files and
# checkpoints are 200 MB; the AR's data packed to codebook 0 is 16 MB):
#   python -m training.lm.device_data --out gpu/lm        # gpu/ is listed in .git/info/exclude
#   mkdir -p ../stash && mv models/default/*.onnx ../stash/ && for f in training/checkpoints/*; do
#     [ "${f##*/}" = lm-ar-context.pt ] || mv "$f" ../stash/; done
# then run(command="MINUTES=8 sh training/lm/recipes/gpu.sh", carry=["gpu"], timeout_s=585), move the stashed
# files back, and unpack each returned checkpoint: python -m training.lm.device_data --unpack $files_at/A.pt OUT.pt
#
# Measured on the first lent H100 (2026-11-26): 205 steps per run in 8 min (2.3 s a step with 3 runs sharing the
# GPU; batches of up to 128 utterances / 16,000 frames), far slower than such a small model's arithmetic needs.
# Scheduled sampling drew its samples on the CPU then (0.9 s a step on one core here; now on the GPU); the rest of
# the time is not accounted for: profile one run first next time (python -m cProfile -s tottime ...).
set -e
export PYTHONUNBUFFERED=1 PYTHONPATH=.
PY=${PYTHON:-python3}
D=gpu/lm; M=${MINUTES:-8}
nvidia-smi -L || true
cat $D/train.jsonl > $D/train-k4.jsonl
for i in 1 2 3; do grep '"family": "kathleen"' $D/train.jsonl >> $D/train-k4.jsonl; done
common="--model ar --alignments $D/train.align.npz --val-manifest $D/heldout_sentences.jsonl --val-batches 4 \
 --device cuda --pointer-classes 6 --pointer-context 8 --group-size 2 --align-weight 0.5 --audio-noise 0.1 \
 --ckpt-every 250 --max-minutes $M --threads 2 --batch-size 128 --max-frames 16000 --steps 3000"
init=training/checkpoints/lm-ar-context.pt
$PY -m training.lm.train --out runs/A --init-from $init --manifest $D/train.jsonl $common --lr 5e-4 --warmup 100 \
  --self-feed 0.5 > runs.A.out 2>&1 &
$PY -m training.lm.train --out runs/B --init-from $init --manifest $D/train-k4.jsonl $common --lr 5e-4 --warmup 100 \
  --self-feed 0.5 > runs.B.out 2>&1 &
$PY -m training.lm.train --out runs/C --d-model 384 --n-layers 6 --n-heads 6 --manifest $D/train.jsonl $common \
  --lr 1e-3 --warmup 300 --self-feed 0.3 > runs.C.out 2>&1 &
sleep 60; nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv || true
wait
for k in A B C; do echo "== $k"; tail -n 4 runs.$k.out; cat runs/$k/log.txt; done > "${OUT:-.}/logs.txt" 2>&1 || true
# The device tool returns files of at most 16 MB: fp16 weights, split in parts.
for k in A B C; do $PY -m training.lm.device_data --pack-checkpoint runs/$k/last.pt "${OUT:-.}/$k.pt" || true; done
grep -E "val_loss|reached|Error" "${OUT:-.}/logs.txt" | tail -n 30
