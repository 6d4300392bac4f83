#!/bin/sh
# The third GPU session's runs (device tool, one call of at most 10 minutes): three models share one H100 for
# MINUTES (default 8.5), the learning rate decaying over that wall time (--time-schedule), on every training speaker
# with Kathleen's utterances twice:
#   B2  the tenth session's AR "B" (training/checkpoints/lm-ar-gpu2b.pt: d 256, 6 layers, G = 2, 2,335 steps)
#       continued: its validation loss was still falling when its 8.5 minutes ran out;
#   N1  a NAR (d 256, 6 layers) for stage 1 only: codebook 1 from the text, the prompt's eight codebooks and
#       codebook 0 (the seventh session's plan, item 2: the cloned voices are unintelligible with codebook 0 alone);
#   N3  the same NAR for stages 1-3.
#
# Here, before the call (the tree that travels must stay under 64 MiB):
#   python -m training.lm.align --manifest training/cache/lm/c6648/heldout_sentences.jsonl \
#     --tables-from training/cache/lm/c6648/train.align.npz
#   python -m training.lm.device_data --out gpu/lm --codebooks 8          # all eight: the NAR's prompts need them
#   python -m training.lm.device_data --pack-checkpoint training/checkpoints/lm-ar-gpu2b.pt gpu/ar-b.pt
#   mkdir -p ../stash && mv models/default/*.onnx training/checkpoints/*.pt ../stash/
# then run(command="sh training/lm/recipes/gpu-nar.sh", carry=["gpu"], timeout_s=595), move the stashed files
# back, and unpack each returned checkpoint: python -m training.lm.device_data --unpack $files_at/N1.pt OUT.pt
set -e
# Three processes' caching allocators filled the 80 GB between them in the tenth session (a fourth run died):
# expandable segments give freed blocks back to the others.
export PYTHONUNBUFFERED=1 PYTHONPATH=. PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True
PY=${PYTHON:-python3}
D=gpu/lm; M=${MINUTES:-8.5}; DEVICE=${DEVICE:-cuda}
BATCH=${BATCH:-128}; FRAMES=${FRAMES:-20000}
nvidia-smi -L || true
sh training/lm/recipes/gpu-kathleen.sh $D 2
$PY -m training.lm.device_data --unpack gpu/ar-b.pt gpu/ar-b-full.pt
common="--manifest $D/train-k2.jsonl --val-manifest $D/heldout_sentences.jsonl --val-batches 4 --device $DEVICE \
 --ckpt-every 1000 --max-minutes $M --time-schedule --threads 2 --batch-size $BATCH --max-frames $FRAMES --steps 1000000"
$PY -m training.lm.train --model ar --out runs/B2 --init-from gpu/ar-b-full.pt --group-size 2 $common \
  --alignments $D/train.align.npz --pointer-classes 6 --pointer-context 8 --align-weight 0.5 --audio-noise 0.1 \
  --lr 5e-4 --warmup 100 --self-feed 0.3 > runs.B2.out 2>&1 &
$PY -m training.lm.train --model nar --out runs/N1 --max-stage 1 $common --lr 1e-3 --warmup 300 > runs.N1.out 2>&1 &
$PY -m training.lm.train --model nar --out runs/N3 --max-stage 3 $common --lr 1e-3 --warmup 300 > runs.N3.out 2>&1 &
sleep 90; nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv || true
wait
sh training/lm/recipes/gpu-collect.sh B2 N1 N3
