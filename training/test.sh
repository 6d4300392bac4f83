#!/bin/sh
# Runs the training-code tests with Debian's Python (PyTorch 1.13 from python3-torch); skips, saying so, where it is absent.
PY=/usr/bin/python3
# Idle torch threads otherwise spin and steal the cores from everything else (measured: 8x the CPU per step).
export OMP_WAIT_POLICY=PASSIVE
if ! "$PY" -c "import torch, numpy, scipy, soundfile, pytest, onnx" 2>/dev/null; then
  echo "training tests skipped: Debian's python3-torch/numpy/scipy/soundfile/pytest/onnx are not installed (see training/README.md)"
  exit 0
fi
cd "$(dirname "$0")/.." && exec "$PY" -m pytest -q training/tests "$@"
