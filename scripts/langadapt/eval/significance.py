"""Paired significance tests for the paper comparisons, and Holm's correction.

One test serves every metric: each arm is a list of seeds, each seed an array of per-item
sufficient statistics ``[items, k]`` (sacrebleu's per-sentence statistics for BLEU / chrF++,
``[bits, characters]`` per document for bits per character, ``[correct]`` per item for
accuracies), and ``score(summed statistics) -> float`` turns a column sum into the metric.

With one seed per arm this is exactly sacrebleu's paired bootstrap (``sacrebleu.significance``,
``_paired_bs_test``, Koehn 2004): the same resampled indices
(``default_rng(seed).choice(n, (resamples, n))``), float32 statistics, and the same p-value,
``(#{|d*| - mean|d*| > |d|} + 1) / (resamples + 1)``; ``tests/test_significance.py`` checks the
p-value against ``sacrebleu.significance.PairedTest``. One deliberate difference: sacrebleu
returns ``1 / (resamples + 1)`` for two identical systems; here an observed difference of
exactly zero gives p = 1.

With several seeds the bootstrap is pooled over seeds: every resample draws the items (paired,
shared by both arms) and, independently per arm, the seeds with replacement; an arm's score is
the mean of its drawn seeds' scores. The seed-to-seed variance therefore widens the interval
and raises p, as it should. The 95 % interval is the percentile interval of the resampled
differences.
"""

from collections.abc import Callable, Sequence

import numpy as np

SACREBLEU_SEED = 12345  # sacrebleu's default (SACREBLEU_SEED)


def _as_seeds(arm) -> list[np.ndarray]:
    seeds = [np.asarray(stats, dtype=np.float32) for stats in arm]
    return [s.reshape(len(s), -1) for s in seeds]


def resampled_scores(stats: np.ndarray, score, indices: np.ndarray, chunk: int = 500) -> np.ndarray:
    """``score`` of every resample (row of ``indices``) of one seed's per-item statistics."""
    out = np.empty(len(indices))
    for first in range(0, len(indices), chunk):
        sums = stats[indices[first: first + chunk]].sum(axis=1)
        out[first: first + chunk] = [score(row) for row in sums]
    return out


def bootstrap_difference(arm: Sequence, baseline: Sequence, score: Callable[[np.ndarray], float],
                         resamples: int = 1000, seed: int = SACREBLEU_SEED,
                         keys: tuple | None = None, cache: dict | None = None) -> dict:
    """Difference ``arm - baseline`` of the seed-mean scores, its 95 % interval and p-value.

    ``arm`` and ``baseline``: lists (one entry per seed) of per-item statistics, all with the
    same items in the same order. ``keys`` (one hashable per seed of each arm) and a ``cache``
    dict let comparisons that share a seed (the base model, a control) reuse its resampled
    scores: the resampled items depend only on ``seed``, ``resamples`` and the item count.
    """
    arm, baseline = _as_seeds(arm), _as_seeds(baseline)
    if not arm or not baseline:
        raise ValueError("each arm needs at least one seed")
    items = len(arm[0])
    if any(len(s) != items for s in arm + baseline):
        raise ValueError("every seed of both arms must score the same items")
    if items == 0:
        raise ValueError("no items to resample")
    observed = (float(np.mean([score(s.sum(0)) for s in arm]))
                - float(np.mean([score(s.sum(0)) for s in baseline])))
    indices = None
    cache = {} if cache is None else cache
    keys = keys or ([None] * len(arm), [None] * len(baseline))

    def scores_of(stats, key):
        nonlocal indices
        full_key = None if key is None else (key, items, resamples, seed)
        if full_key is not None and full_key in cache:
            return cache[full_key]
        if indices is None:
            indices = np.random.default_rng(seed).choice(items, size=(resamples, items),
                                                         replace=True)
        values = resampled_scores(stats, score, indices)
        if full_key is not None:
            cache[full_key] = values
        return values

    arm_scores = np.stack([scores_of(s, k) for s, k in zip(arm, keys[0], strict=True)])
    base_scores = np.stack([scores_of(s, k) for s, k in zip(baseline, keys[1], strict=True)])
    pooled = len(arm) > 1 or len(baseline) > 1
    if pooled:  # seeds drawn with replacement, independently per arm and resample
        seed_rng = np.random.default_rng(seed + 1)
        rows = np.arange(resamples)[:, None]
        a = arm_scores.T[rows, seed_rng.integers(0, len(arm), (resamples, len(arm)))]
        b = base_scores.T[rows, seed_rng.integers(0, len(baseline), (resamples, len(baseline)))]
        differences = a.mean(axis=1) - b.mean(axis=1)
    else:
        differences = arm_scores[0] - base_scores[0]
    centred = np.abs(differences) - np.abs(differences).mean()
    p_value = 1.0 if observed == 0 else (int(np.sum(centred > abs(observed))) + 1) / (resamples + 1)
    return {
        "difference": observed,
        "ci95": [float(np.percentile(differences, 2.5)), float(np.percentile(differences, 97.5))],
        "p_value": float(p_value),
        "system_better_share": float(np.mean(differences > 0)),
        "resamples": resamples,
        "seed": seed,
        "items": items,
        "seeds": [len(arm), len(baseline)],
        "method": ("paired bootstrap over items, pooled over seeds" if pooled
                   else "paired bootstrap over items (sacrebleu paired_bs)"),
    }


def sentence_statistics(metric, hypotheses: list[str], references: list[str]) -> np.ndarray:
    """Per-sentence sufficient statistics (rows) of a sacrebleu metric."""
    return np.asarray(metric._extract_corpus_statistics(hypotheses, [references]), np.float64)


def sacrebleu_score(metric) -> Callable[[np.ndarray], float]:
    """Corpus score of a sacrebleu metric from summed sufficient statistics."""
    return lambda summed: float(metric._compute_score_from_stats(list(summed)).score)


def ratio_score(summed: np.ndarray) -> float:
    """``sum(column 0) / sum(column 1)``: bits per character from ``[bits, characters]``,
    accuracy from ``[correct, 1]``."""
    return float(summed[0] / summed[1]) if summed[1] else float("nan")


def paired_bootstrap(metric, system: list[str], baseline: list[str], references: list[str],
                     resamples: int = 1000, seed: int = SACREBLEU_SEED) -> dict:
    """sacrebleu metric of ``system`` against ``baseline`` on the same references (one seed)."""
    if not (len(system) == len(baseline) == len(references)):
        raise ValueError("system, baseline and references must be aligned")
    return bootstrap_difference([sentence_statistics(metric, system, references)],
                                [sentence_statistics(metric, baseline, references)],
                                sacrebleu_score(metric), resamples, seed)


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values (NaN entries stay NaN and are not counted)."""
    values = np.asarray(p_values, dtype=float)
    adjusted = np.full(len(values), np.nan)
    finite = np.flatnonzero(np.isfinite(values))
    order = finite[np.argsort(values[finite], kind="stable")]
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (len(order) - rank) * values[index]))
        adjusted[index] = running
    return adjusted.tolist()
