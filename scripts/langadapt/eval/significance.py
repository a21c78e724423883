"""Paired bootstrap resampling (Koehn 2004) of corpus BLEU / chrF++ against a baseline.

Both systems are resampled with the same sentence indices; corpus scores are recomputed from
sacrebleu's sufficient statistics per sentence, so one resample costs a sum, not a rescoring.
The p-value is two-sided for the null hypothesis "no difference": the share of resampled
differences, centred on their mean, at least as large in magnitude as the observed one.
Identical systems therefore give p = 1.
"""

import numpy as np


def sentence_statistics(metric, hypotheses: list[str], references: list[str]) -> np.ndarray:
    """Per-sentence sufficient statistics (rows) of a sacrebleu metric."""
    stats = metric._extract_corpus_statistics(hypotheses, [references])
    return np.asarray(stats, dtype=np.float64)


def corpus_score(metric, stats: np.ndarray) -> float:
    return float(metric._compute_score_from_stats(list(stats.sum(axis=0))).score)


def paired_bootstrap(metric, system: list[str], baseline: list[str], references: list[str],
                     resamples: int = 1000, seed: int = 12345) -> dict:
    """Observed difference (system - baseline), 95% interval of it, and the p-value."""
    if not (len(system) == len(baseline) == len(references)):
        raise ValueError("system, baseline and references must be aligned")
    system_stats = sentence_statistics(metric, system, references)
    baseline_stats = sentence_statistics(metric, baseline, references)
    observed = corpus_score(metric, system_stats) - corpus_score(metric, baseline_stats)
    rng = np.random.default_rng(seed)
    indices = rng.integers(0, len(system), size=(resamples, len(system)))
    differences = np.array([
        corpus_score(metric, system_stats[rows]) - corpus_score(metric, baseline_stats[rows])
        for rows in indices
    ])
    centred = differences - differences.mean()
    extreme = int(np.sum(np.abs(centred) >= abs(observed) - 1e-9))
    return {
        "difference": observed,
        "ci95": [float(np.percentile(differences, 2.5)), float(np.percentile(differences, 97.5))],
        "p_value": (extreme + 1) / (resamples + 1),
        "system_better_share": float(np.mean(differences > 0)),
        "resamples": resamples,
        "seed": seed,
    }
