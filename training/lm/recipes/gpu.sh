#!/bin/sh
# The AR on the lent GPU machine (device tool): one call of at most 10 minutes, within a session's 15 minutes of
# device time. Three runs share the one GPU, each for MINUTES (default 8), the learning rate decaying over that
# wall time (--time-schedule: how many steps a minute gives is not known in advance), on all the training
# speakers with Kathleen's utterances twice:
#   A  the shipped AR (training/checkpoints/lm-ar-context.pt) continued: voice cloning, Kathleen kept;
#   B  the AR's default size (d 256, 6 layers, 5.9M parameters; the shipped one has 4), G = 2, from scratch;
#   C  as B with G = 1: the grouping comparison of the LM issue (same data, same GPU minutes).
#
# Here, before the call (the tree that travels must stay under 64 MiB, and the committed model files and
# checkpoints are 200 MB; the AR's data packed to codebook 0, one archive per manifest, is 17 MB):
#   python -m training.lm.align --manifest training/cache/lm/c6648/heldout_sentences.jsonl \
#     --tables-from training/cache/lm/c6648/train.align.npz  # validation of a pointer AR needs them
#   python -m training.lm.device_data --out gpu/lm        # gpu/ is listed in .git/info/exclude
#   mkdir -p ../stash && mv models/default/*.onnx ../stash/ && for f in training/checkpoints/*; do
#     [ "${f##*/}" = lm-ar-context.pt ] || mv "$f" ../stash/; done
# then run(command="MINUTES=8 sh training/lm/recipes/gpu.sh", carry=["gpu"], timeout_s=590), move the stashed
# files back, and unpack each returned checkpoint: python -m training.lm.device_data --unpack $files_at/A.pt OUT.pt
#
# Measured: the first lent H100 (eighth session) made only 205 steps per run in 8 min (2.3 s a step, 3 runs sharing
# the GPU) with the codes read as ~10,000 memory-mapped files from the copied tree. With one archive read into
# memory (tenth session, 8.5 min): A 3,000 steps, B 2,335, C 1,505 (0.17-0.34 s a step, 3-4 runs sharing the GPU;
# peak allocated 9.4, 12.9 and 23.0 GB). A fourth run (d 320, 5 layers) ran out of GPU memory: the caching allocator
# of the others held 79 GB between them, so three runs is what fits. Results: training/README.md, tenth session.
set -e
export PYTHONUNBUFFERED=1 PYTHONPATH=.
PY=${PYTHON:-python3}
D=gpu/lm; M=${MINUTES:-8}; DEVICE=${DEVICE:-cuda}
# Batches of up to 128 utterances / 20,000 frames: one G = 1 step of that size peaked at 18 GB (CPU, measured),
# G = 2 at about half; 40,000 frames ran out of this machine's 24 GB.
BATCH=${BATCH:-128}; FRAMES=${FRAMES:-20000}
nvidia-smi -L || true
sh training/lm/recipes/gpu-kathleen.sh $D 2
common="--model ar --manifest $D/train-k2.jsonl --alignments $D/train.align.npz --val-manifest $D/heldout_sentences.jsonl \
 --val-batches 4 --device $DEVICE --pointer-classes 6 --pointer-context 8 --align-weight 0.5 --audio-noise 0.1 \
 --ckpt-every 1000 --max-minutes $M --time-schedule --threads 2 --batch-size $BATCH --max-frames $FRAMES --steps 1000000"
$PY -m training.lm.train --out runs/A --init-from training/checkpoints/lm-ar-context.pt --group-size 2 $common \
  --lr 5e-4 --warmup 100 --self-feed 0.5 > runs.A.out 2>&1 &
$PY -m training.lm.train --out runs/B --group-size 2 $common --lr 1e-3 --warmup 300 --self-feed 0.3 > runs.B.out 2>&1 &
$PY -m training.lm.train --out runs/C --group-size 1 $common --lr 1e-3 --warmup 300 --self-feed 0.3 > runs.C.out 2>&1 &
sleep 60; nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv || true
wait
sh training/lm/recipes/gpu-collect.sh A B C
