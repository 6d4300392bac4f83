"""The build summary: hours, utterances and speakers per source and split, rejects, written to DATA.md."""
from collections import Counter, defaultdict


def summary_rows(records: list) -> list:
    """[(source, split, hours, utterances, speakers)] sorted, plus per-split totals."""
    groups = defaultdict(list)
    for r in records:
        groups[(r["source"], r["split"])].append(r)
        groups[("TOTAL", r["split"])].append(r)
    rows = []
    for (source, split), rs in sorted(groups.items(), key=lambda kv: (kv[0][0] == "TOTAL", kv[0])):
        rows.append((source, split, sum(r["duration"] for r in rs) / 3600, len(rs), len({r["speaker"] for r in rs})))
    return rows


def markdown_table(records: list) -> str:
    lines = ["| source | split | hours | utterances | speakers |", "|---|---|---:|---:|---:|"]
    for source, split, hours, n, speakers in summary_rows(records):
        lines.append(f"| {source} | {split} | {hours:.2f} | {n} | {speakers} |")
    return "\n".join(lines)


def rejects_table(rejects: Counter) -> str:
    if not rejects:
        return "No utterance was rejected."
    lines = ["| source | reason | utterances |", "|---|---|---:|"]
    for (source, reason), n in sorted(rejects.items()):
        lines.append(f"| {source} | {reason} | {n} |")
    return "\n".join(lines)


def plain_table(records: list) -> str:
    out = [f"{'source':<16} {'split':<18} {'hours':>7} {'utts':>7} {'speakers':>8}"]
    for source, split, hours, n, speakers in summary_rows(records):
        out.append(f"{source:<16} {split:<18} {hours:>7.2f} {n:>7} {speakers:>8}")
    return "\n".join(out)
