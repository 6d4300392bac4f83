#!/bin/sh
# The end of every GPU recipe: `sh training/lm/recipes/gpu-collect.sh RUN...` after their runs (runs/RUN/, output in
# runs.RUN.out). Writes their logs to $OUT/logs.txt and each run's weights at its best validation loss (best.pt, else
# last.pt) to $OUT/RUN.pt.part0, .part1, ...: the device tool returns files of at most 16 MB, so fp16 and split
# (training.lm.device_data --unpack joins them). Then shows each run's errors and last log lines.
PY=${PYTHON:-python3}; OUTDIR=${OUT:-.}
for k in "$@"; do echo "== $k"; tail -n 4 runs.$k.out; cat runs/$k/log.txt; done > "$OUTDIR/logs.txt" 2>&1 || true
for k in "$@"; do ck=runs/$k/best.pt; [ -f $ck ] || ck=runs/$k/last.pt
  $PY -m training.lm.device_data --pack-checkpoint $ck "$OUTDIR/$k.pt" || true; done
for k in "$@"; do echo "== $k"; grep -E "Error" runs.$k.out || true; tail -n 3 runs/$k/log.txt; done
