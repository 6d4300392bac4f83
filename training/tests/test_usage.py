"""`--help` on the training scripts that parse options by hand prints their usage and does nothing else."""
import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULES = [
    "training.codec.build_cache",
    "training.codec.train",
    "training.speaker.cache",
    "training.speaker.train",
    "training.speaker.evaluate",
    "training.speaker.export",
]


@pytest.mark.parametrize("module", MODULES)
def test_help_prints_usage_and_stops(module):
    run = subprocess.run([sys.executable, "-m", module, "--help"], cwd=REPO, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": REPO})
    assert run.returncode == 0, run.stderr
    assert f"python -m {module}" in run.stdout
    assert run.stderr == ""


def test_slim_checkpoint_without_two_paths_says_how():
    run = subprocess.run([sys.executable, "-m", "training.lm.checkpoint", "--help"], cwd=REPO, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": REPO})
    assert run.returncode == 1
    assert run.stderr.startswith("usage: python -m training.lm.checkpoint SRC DST")
