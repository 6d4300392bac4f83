#!/bin/sh
# `sh training/lm/recipes/gpu-kathleen.sh DIR N`: DIR/train-kN.jsonl, the packed train split (training.lm.device_data)
# with Kathleen's utterances N times in all (the in-speaker bar is in her voice, 1.3 of the 13 hours), and the codes
# archive beside it under that name (the archive is keyed by the manifest's name).
set -e
D=$1; N=$2
cat $D/train.jsonl > $D/train-k$N.jsonl
i=1
while [ $i -lt $N ]; do grep '"family": "kathleen"' $D/train.jsonl >> $D/train-k$N.jsonl; i=$((i + 1)); done
cp $D/train.codes.npz $D/train-k$N.codes.npz
