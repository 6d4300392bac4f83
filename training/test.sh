#!/bin/sh
# Runs the training-code tests with Debian's Python (PyTorch 1.13 from python3-torch); skips, saying so, where it is absent.
PY=/usr/bin/python3
if ! "$PY" -c "import torch, numpy, scipy, soundfile, pytest" 2>/dev/null; then
  echo "training tests skipped: Debian's python3-torch/numpy/scipy/soundfile/pytest are not installed (see training/README.md)"
  exit 0
fi
cd "$(dirname "$0")/.." && exec "$PY" -m pytest -q training/tests "$@"
