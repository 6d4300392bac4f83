"""Build the codec's decoded-audio cache: `python -m training.codec.build_cache [--manifest=PATH ...]`."""
import sys
import time

from training.codec.audio_cache import build_source
from training.codec.sources import manifest_paths, manifest_source_name, real_sources

CACHE_DIR = "training/cache/codec"


def build_all(cache_dir: str = CACHE_DIR, manifests=(), workers: int = 2) -> dict:
    """Decode the training real speech, held-out evaluation speech and any manifests; name -> summary."""
    jobs = dict(real_sources())
    jobs.update({f"heldout-{k}": v for k, v in real_sources(heldout=True).items()})
    jobs.update({manifest_source_name(m): manifest_paths(m) for m in manifests})
    return {name: build_source(name, paths, cache_dir, workers) for name, paths in jobs.items()}


if __name__ == "__main__":
    from training.usage import help_requested
    help_requested(__doc__)
    manifests = [a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--manifest=")]
    t0 = time.time()
    for name, s in build_all(manifests=manifests).items():
        print(f"{name:40s} kept {s['kept']:5d}/{s['files']:5d}  bad {s['bad']}  short {s['too_short']}  {s['hours']:.2f} h")
    print(f"done in {time.time() - t0:.0f} s")
