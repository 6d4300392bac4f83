"""Verification metrics: equal error rate and the same/different-speaker trial list built from labelled embeddings."""
import numpy as np


def equal_error_rate(scores, labels) -> float:
    """EER of similarity scores; labels 1 = same speaker, 0 = different.

    At each candidate threshold t (accept when score >= t) compute the false-accept rate over
    different-speaker trials and the false-reject rate over same-speaker trials; the EER is
    their mean at the threshold where they are closest.
    """
    scores, labels = np.asarray(scores, np.float64), np.asarray(labels).astype(bool)
    if labels.all() or not labels.any():
        raise ValueError("EER needs both same-speaker and different-speaker trials")
    thresholds = np.concatenate([np.unique(scores), [np.inf]])
    pos, neg = np.sort(scores[labels]), np.sort(scores[~labels])
    frr = np.searchsorted(pos, thresholds, side="left") / len(pos)       # same-speaker scores below t
    far = 1.0 - np.searchsorted(neg, thresholds, side="left") / len(neg)  # different-speaker scores >= t
    i = int(np.argmin(np.abs(far - frr)))
    return float((far[i] + frr[i]) / 2)


def trials(speakers: list, seed: int = 0):
    """All same-speaker index pairs and as many random different-speaker pairs -> (i (P,), j (P,), same (P,))."""
    speakers = np.asarray(speakers)
    i, j = np.triu_indices(len(speakers), k=1)
    same = speakers[i] == speakers[j]
    si, sj = i[same], j[same]
    rng = np.random.default_rng(seed)
    n_diff = int((~same).sum())
    pick = rng.choice(n_diff, size=min(len(si), n_diff), replace=False)
    di, dj = i[~same][pick], j[~same][pick]
    return (np.concatenate([si, di]), np.concatenate([sj, dj]),
            np.concatenate([np.ones(len(si), np.int64), np.zeros(len(di), np.int64)]))


def verification_report(embeddings: np.ndarray, speakers: list, seed: int = 0) -> dict:
    """(U, D) unit embeddings + U speaker ids -> EER and mean cosine of same/different-speaker trials."""
    i, j, same = trials(speakers, seed)
    cos = np.sum(embeddings[i] * embeddings[j], axis=1)
    return {"eer": equal_error_rate(cos, same), "same_mean_cosine": float(cos[same == 1].mean()),
            "different_mean_cosine": float(cos[same == 0].mean()), "same_trials": int(same.sum()),
            "different_trials": int((same == 0).sum()), "utterances": len(speakers),
            "speakers": len(set(speakers))}
