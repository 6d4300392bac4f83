"""Build the whole corpus: enumerate, phonemize, condition audio in parallel, write manifests and the summary.

Idempotent: results are logged per job key in <out>/results.jsonl, so a re-run
(or a run killed half-way) only processes what is missing or changed.
"""
from collections import Counter
import json
import multiprocessing
import os
import shutil
import time

from . import sources
from .manifest import apply_weights, make_record
from .outputs import log_build, prune_audio, write_outputs
from .phoneme_cache import phonemize_cached
from .process import audio_relpath, init_worker, job_key, process
from .progress import Progress
from .report import write_data_md
from .sentences import TEXT_FILE, sentence_pools
from .summary import plain_table


def collect_jobs(data_dir: str, synthetic_hours: float, limit: int = 0) -> list:
    """Every job of every source; with `limit`, only the first `limit` of each source (tiny builds)."""
    train_text, heldout_text = sentence_pools(os.path.join(data_dir, "text", os.path.basename(TEXT_FILE)))
    jobs = (sources.speechocean_jobs(data_dir) + sources.kathleen_jobs(data_dir)
            + sources.librispeech_jobs(data_dir) + sources.synthetic_jobs(train_text, heldout_text, synthetic_hours))
    if limit:
        per_source = Counter()
        kept = []
        for j in jobs:
            per_source[j["source"]] += 1
            if per_source[j["source"]] <= limit:
                kept.append(j)
        jobs = kept
    return jobs


def attach_phonemes(jobs: list, rejects: list, unknown_symbols: Counter, cache_path: str) -> list:
    """Jobs with normalized text and phonemes from the front end; bad transcripts go to `rejects`."""
    texts = [j["text"] for j in jobs if j["text"] is not None and j["text"].strip()]
    bar = {}

    def show(done, total):  # only texts missing from the cache go through node
        p = bar.setdefault("p", Progress("phonemize", total))
        p.update(done - p.done)
    by_text = phonemize_cached(texts, cache_path, progress=show)
    kept = []
    for j in jobs:
        if j["text"] is None:  # untranscribed by design (LibriSpeech clips)
            kept.append(dict(j, normalized=None, phonemes=None, phoneme_ids=None))
            continue
        if not j["text"].strip():
            rejects.append(dict(id=j["id"], source=j["source"], status="empty_transcript", detail=""))
            continue
        ph = by_text[j["text"]]
        if "error" in ph:
            rejects.append(dict(id=j["id"], source=j["source"], status="phonemize_error", detail=ph["error"][:200]))
        elif ph["unknown"]:
            unknown_symbols.update(ph["unknown"])
            rejects.append(dict(id=j["id"], source=j["source"], status="unknown_phonemes",
                                detail=" ".join(ph["unknown"])))
        elif not ph["ids"] or not ph["normalized"].strip():
            rejects.append(dict(id=j["id"], source=j["source"], status="empty_phonemes", detail=j["text"][:80]))
        else:
            kept.append(dict(j, normalized=ph["normalized"], phonemes=ph["phonemes"], phoneme_ids=ph["ids"]))
    return kept


def _load_results(path: str) -> dict:
    results = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                try:
                    r = json.loads(line)
                    results[r["key"]] = r
                except (ValueError, KeyError):
                    continue  # a line torn by a killed build
    return results


def run_audio(jobs: list, out_dir: str, noise_dir: str, workers: int, nice: int = 0) -> tuple:
    """(results by job key, number processed now); cached results are reused when their audio exists."""
    log_path = os.path.join(out_dir, "results.jsonl")
    cached = _load_results(log_path)
    todo, results = [], {}
    for j in jobs:
        r = cached.get(job_key(j))
        done_ok = r and r["status"] == "ok" and os.path.exists(os.path.join(out_dir, audio_relpath(j)))
        rejected = r and r["status"] not in ("ok", "error")  # a reject is final; an error is retried
        if done_ok or rejected:
            results[r["key"]] = r
        else:
            todo.append(j)
    progress = Progress("audio", len(todo))
    os.makedirs(out_dir, exist_ok=True)
    with open(log_path, "a", encoding="utf-8") as log:
        def keep(r):
            results[r["key"]] = r
            log.write(json.dumps(r) + "\n")
            log.flush()
            progress.update(1, "" if r["status"] == "ok" else f"({r['status']}: {r['id']})")
        if workers <= 1:
            init_worker(out_dir, noise_dir, nice)
            for j in todo:
                keep(process(j))
        else:
            with multiprocessing.get_context("fork").Pool(workers, init_worker, (out_dir, noise_dir, nice)) as pool:
                for r in pool.imap_unordered(process, todo, chunksize=4):
                    keep(r)
    shutil.rmtree(os.path.join(out_dir, "tmp"), ignore_errors=True)
    return results, len(todo)


def build(data_dir: str, out_dir: str, synthetic_hours: float, workers: int, limit: int = 0,
          report_path: str = "", eval_dir: str = "", nice: int = 0, prune: bool = False) -> dict:
    """Run the whole pipeline; returns {"records", "rejects", "seconds", "processed", "weight"}."""
    t0 = time.time()
    rejects, unknown = [], Counter()
    jobs = attach_phonemes(collect_jobs(data_dir, synthetic_hours, limit), rejects, unknown,
                           os.path.join(out_dir, "phonemes.jsonl"))
    t_phonemes = time.time() - t0
    results, processed = run_audio(jobs, out_dir, os.path.join(data_dir, "noise"), workers, nice)
    records = []
    for j in jobs:
        r = results[job_key(j)]
        if r["status"] == "ok":
            records.append(make_record(j, r["duration"]))
        else:
            rejects.append(dict(id=j["id"], source=j["source"], status=r["status"], detail=r["detail"]))
    weight = apply_weights(records)
    write_outputs(out_dir, records, rejects, eval_dir)
    if prune:
        print(f"pruned {prune_audio(out_dir, records)} cached audio files no manifest refers to")
    seconds = time.time() - t0
    history = log_build(out_dir, seconds=round(seconds, 1), processed=processed, jobs=len(jobs),
                        synthetic_hours=synthetic_hours, workers=workers, limit=limit)
    reject_counts = Counter((r["source"], r["status"]) for r in rejects)
    print(plain_table(records))
    print(f"rejected: {dict(reject_counts) or 'none'}; unknown symbols: {dict(unknown) or 'none'}")
    print(f"built in {seconds / 60:.1f} min ({processed} utterances processed now, "
          f"{len(jobs) - processed} reused); real-speech weight {weight}")
    if report_path:
        write_data_md(report_path, records, reject_counts, unknown, weight=weight, seconds=seconds,
                      phonemize_seconds=t_phonemes, processed=processed, total_jobs=len(jobs),
                      synthetic_hours=synthetic_hours, workers=workers, out_dir=out_dir, history=history)
    return {"records": records, "rejects": rejects, "seconds": seconds, "processed": processed, "weight": weight}
