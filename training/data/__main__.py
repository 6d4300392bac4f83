"""`python -m training.data build`: the one command that builds the training corpus."""
import argparse
import os
import sys

from .build import build
from .splits import SHARED_DATA

TRAINING_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.data", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build (or complete) the corpus; re-running skips finished work")
    b.add_argument("--synthetic-hours", type=float, default=10.0,
                   help="hours of synthetic training speech to aim for (default 10)")
    b.add_argument("-j", "--jobs", type=int, default=2, help="worker processes (default 2)")
    b.add_argument("--data-dir", default=os.path.abspath(SHARED_DATA), help="the shared data folder")
    b.add_argument("--out", default=os.path.join(TRAINING_DIR, "cache", "corpus"), help="corpus folder (git-ignored)")
    b.add_argument("--limit", type=int, default=0, help="only the first N utterances of each source (smoke builds)")
    b.add_argument("--nice", type=int, default=0, help="niceness added to worker processes")
    b.add_argument("--prune", action="store_true",
                   help="delete cached audio that no manifest refers to (e.g. after lowering --synthetic-hours)")
    b.add_argument("--no-docs", action="store_true",
                   help="do not write training/DATA.md and training/eval/*.jsonl (implied by --limit)")
    args = parser.parse_args(argv)
    for sub_dir in ("speechocean762", "kathleen", "librispeech-clips", "noise", "text"):
        if not os.path.isdir(os.path.join(args.data_dir, sub_dir)):
            print(f"error: --data-dir {args.data_dir} has no {sub_dir}/ (set PARLA_SHARED_DATA or --data-dir)",
                  file=sys.stderr)
            return 2
    docs = not (args.no_docs or args.limit)
    build(args.data_dir, args.out, args.synthetic_hours, args.jobs, limit=args.limit,
          report_path=os.path.join(TRAINING_DIR, "DATA.md") if docs else "",
          eval_dir=os.path.join(TRAINING_DIR, "eval") if docs else "", nice=args.nice, prune=args.prune)
    return 0


if __name__ == "__main__":
    sys.exit(main())
