"""Null-size check of the paper tests (``python -m langadapt.bench --null-size``).

Simulates a true null for every metric type the comparisons test and prints the share of
trials that reject at α = 0.05:

- ``checkpoint`` (``significance.randomisation_p``, the p of ``checkpoint_test``): two checkpoints
  drawn independently from one per-item distribution (items drawn afresh each trial),
- ``recipe`` (``significance.recipe_test``, two-level): two arms of ``SEEDS`` seeds each from one
  recipe; every seed shifts the latent quality of all its items by ``N(0, seed_sd)`` (seed
  spread about one item standard error, as measured on the study), items drawn afresh.

Metric types and their item models: accuracy (200 four-choice items, per-item difficulty),
answer rate (40 prompts), bits per character (20 documents of 100-300 characters), corpus
chrF++ and BLEU (100 sentences: word substitutions at a per-sentence error rate, sacrebleu
sentence statistics from a precomputed bank). Seeded; about a minute on one core.
"""

import time

import numpy as np
from sacrebleu.metrics import BLEU, CHRF

from langadapt.eval.significance import (
    randomisation_p,
    ratio_score,
    recipe_test,
    sacrebleu_score,
    sentence_statistics,
)

LEVEL = 0.05
SEEDS = 3
ERROR_LEVELS = np.linspace(0.0, 1.0, 21)  # word-substitution rates of the sentence bank


def _logit(p):
    return np.log(p / (1 - p))


class _Bernoulli:
    """Per-item correctness: item difficulty from Beta(2, 2), a seed shifts every logit."""

    def __init__(self, items: int, seed_sd: float):
        self.items, self.seed_sd, self.score = items, seed_sd, ratio_score

    def draw(self, rng, seeds: int, shift_sd: float):
        logits = _logit(rng.beta(2, 2, self.items))
        arms = []
        for _ in range(2):
            stats = []
            for _ in range(seeds):
                p = 1 / (1 + np.exp(-(logits + rng.normal(0, shift_sd))))
                stats.append(np.stack([rng.random(self.items) < p, np.ones(self.items)], 1))
            arms.append(stats)
        return arms


class _Bpc:
    """Documents of 100-300 characters at a per-document level; a seed shifts every level."""

    def __init__(self, items: int, seed_sd: float):
        self.items, self.seed_sd, self.score = items, seed_sd, ratio_score

    def draw(self, rng, seeds: int, shift_sd: float):
        chars = rng.integers(100, 300, self.items).astype(float)
        levels = rng.normal(2.0, 0.3, self.items)
        return [[np.stack([chars * (levels + rng.normal(0, shift_sd)
                                    + rng.normal(0, 0.05, self.items)), chars], 1)
                 for _ in range(seeds)] for _ in range(2)]


class _Sacrebleu:
    """Sentences from a word bank; a hypothesis substitutes words at a per-sentence error rate
    (Beta(2, 2), shifted by the seed); statistics come from a bank of 4 draws per rate."""

    def __init__(self, metric, items: int, seed_sd: float, rng):
        self.items, self.seed_sd, self.score = items, seed_sd, sacrebleu_score(metric)
        words = [f"w{i}" for i in range(300)]
        sentences = 300
        references = [" ".join(rng.choice(words, rng.integers(6, 16))) for _ in range(sentences)]
        bank = []  # [error level][draw] -> [sentences, k]
        for rate in ERROR_LEVELS:
            draws = []
            for _ in range(4):
                hyps = [" ".join(w if rng.random() >= rate else rng.choice(words)
                                 for w in ref.split()) for ref in references]
                draws.append(sentence_statistics(metric, hyps, references))
            bank.append(draws)
        self.bank = np.asarray(bank)  # [levels, draws, sentences, k]

    def draw(self, rng, seeds: int, shift_sd: float):
        chosen = rng.choice(self.bank.shape[2], self.items, replace=False)
        error = rng.beta(2, 2, self.items)
        arms = []
        for _ in range(2):
            stats = []
            for _ in range(seeds):
                rate = np.clip(error + rng.normal(0, shift_sd), 0, 1)
                level = np.rint(rate * (len(ERROR_LEVELS) - 1)).astype(int)
                draw = rng.integers(0, self.bank.shape[1], self.items)
                stats.append(self.bank[level, draw, chosen])
            arms.append(stats)
        return arms


def metric_models(rng) -> dict:
    """{metric type: model} with the seed SDs used for the recipe test (latent scale)."""
    return {"accuracy (200 items)": _Bernoulli(200, 0.15),
            "answer rate (40 prompts)": _Bernoulli(40, 0.3),
            "bpc (20 documents)": _Bpc(20, 0.02),
            "chrF++ (100 sentences)": _Sacrebleu(CHRF(word_order=2), 100, 0.04, rng),
            "BLEU (100 sentences)": _Sacrebleu(BLEU(), 100, 0.04, rng)}


def rejection_rates(trials: int = 1000, randomisations: int = 199, resamples: int = 150,
                    seed: int = 1) -> list[dict]:
    """One row per metric type and test: rejection rate at ``LEVEL`` under the null."""
    rng = np.random.default_rng(seed)
    rows = []
    for name, model in metric_models(rng).items():
        for test, seeds in (("checkpoint", 1), ("recipe", SEEDS)):
            start, rejected = time.perf_counter(), 0
            for trial in range(trials):
                arm, reference = model.draw(rng, seeds, model.seed_sd if seeds > 1 else 0.0)
                if test == "checkpoint":  # the p of checkpoint_test (its interval is not needed)
                    p = randomisation_p(arm[0], reference[0], model.score, randomisations, trial)
                else:
                    p = recipe_test(arm, reference, model.score, resamples, seed=trial)["p_value"]
                rejected += p < LEVEL
            rate = rejected / trials
            rows.append({"metric": name, "test": test, "seeds": f"{seeds} vs {seeds}",
                         "trials": trials, "rejection_rate": rate,
                         "mc_se": float(np.sqrt(LEVEL * (1 - LEVEL) / trials)),
                         "within_0.03_0.07": 0.03 <= rate <= 0.07,
                         "seconds": time.perf_counter() - start})
    return rows


def markdown(rows: list[dict]) -> str:
    lines = [f"Rejection rate of a true null at α = {LEVEL} (seeded simulation; Monte-Carlo SE "
             f"{rows[0]['mc_se']:.3f} at {rows[0]['trials']} trials)", "",
             "| metric | test | seeds | rejection rate | in [0.03, 0.07] | seconds |",
             "|---|---|---|---:|---|---:|"]
    lines += [f"| {r['metric']} | {r['test']} | {r['seeds']} | {r['rejection_rate']:.3f} | "
              f"{'yes' if r['within_0.03_0.07'] else 'NO'} | {r['seconds']:.1f} |" for r in rows]
    return "\n".join(lines) + "\n"
