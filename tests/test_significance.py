"""Approximate randomisation against sacrebleu's paired_ar, the two-level recipe test, Holm."""

import numpy as np
import pytest
from langadapt.eval.significance import (
    checkpoint_test,
    holm,
    paired_test,
    randomisation_p,
    ratio_score,
    recipe_test,
    sacrebleu_score,
    sentence_statistics,
)
from sacrebleu.metrics import BLEU, CHRF
from sacrebleu.significance import PairedTest

REFERENCES = [f"the quick brown fox number {i} jumps over the lazy dog" for i in range(40)]
GOOD = [r if i % 3 else r.replace("lazy", "sleepy") for i, r in enumerate(REFERENCES)]
WEAK = [r.replace("quick brown", "slow").replace("jumps", "walks") if i % 5 else r
        for i, r in enumerate(REFERENCES)]
WORDS = "open save file cell sheet table print window menu option chart format insert".split()


def _corrupt(sentences, rate, rng):
    return [" ".join(w if rng.random() > rate else str(rng.choice(WORDS)) for w in s.split())
            for s in sentences]


_RNG = np.random.default_rng(0)
NOISY_REFERENCES = [" ".join(_RNG.choice(WORDS, _RNG.integers(6, 14))) for _ in range(60)]
# two systems with random word errors (20 % and 26 %): p between 0.005 and 0.05, no ties
NOISY_BASELINE = _corrupt(NOISY_REFERENCES, 0.2, _RNG)
NOISY_SYSTEM = _corrupt(NOISY_REFERENCES, 0.26, _RNG)


@pytest.mark.parametrize("make_metric", [lambda: CHRF(word_order=2), BLEU])
@pytest.mark.parametrize("fixture", ["noisy", "weak"])
def test_p_value_equals_sacrebleu_paired_ar(make_metric, fixture, monkeypatch):
    monkeypatch.setenv("SACREBLEU_SEED", "12345")
    trials = 2000
    system, baseline, references = ((NOISY_SYSTEM, NOISY_BASELINE, NOISY_REFERENCES)
                                    if fixture == "noisy" else (WEAK, GOOD, REFERENCES))
    test = PairedTest([("baseline", baseline), ("system", system)], {"m": make_metric()},
                      [references], test_type="ar", n_samples=trials)
    _, scores = test()
    name = next(key for key in scores if key != "System")
    expected = scores[name][1].p_value
    # another seed: agreement within Monte-Carlo error, not by sharing the swap masks
    ours = paired_test(make_metric(), system, baseline, references, trials=trials, seed=7)
    assert ours["difference"] == pytest.approx(scores[name][1].score - scores[name][0].score)
    mc_error = 4 * np.sqrt(expected * (1 - expected) / trials) + 2 / trials
    assert abs(ours["p_value"] - expected) <= mc_error
    assert 0.003 < expected < 0.05 or fixture == "weak"  # not a trivial p


@pytest.mark.parametrize("metric", [BLEU(), CHRF(word_order=2), CHRF()],
                         ids=["bleu", "chrf++", "chrf"])
def test_vectorised_scores_equal_sacrebleus_on_every_resample(metric):
    """The one-pass scores of thousands of resamples are sacrebleu's corpus scores, including
    resamples without a 4-gram match, an empty hypothesis or no hypothesis n-grams at all."""
    system = [*NOISY_SYSTEM[:20], "", "open", "save file", *WEAK[:10]]
    references = [*NOISY_REFERENCES[:20], "open the file", "open", "file", *REFERENCES[:10]]
    stats = sentence_statistics(metric, system, references)
    rng = np.random.default_rng(3)
    subsets = [rng.integers(0, len(stats), size=rng.integers(1, 6)) for _ in range(300)]
    rows = np.stack([stats[index].sum(0) for index in subsets] + [stats.sum(0),
                                                                   np.zeros(stats.shape[1])])
    score = sacrebleu_score(metric)
    assert score.many is not None
    expected = [metric._compute_score_from_stats(list(row)).score for row in rows]
    assert score.many(rows) == pytest.approx(expected, rel=1e-12, abs=1e-12)
    assert {0.0} < set(expected)  # zero scores and non-zero scores both occur


def test_ties_count_half_where_sacrebleu_counts_them_not():
    """5 of 40 sentences differ, all one way: 2 of the 32 swap patterns give |d*| = |d| (the
    exact p is 1/16, the mid-p 1/32); sacrebleu's strict ``>`` counts none of them and reports
    1/(trials+1) = 0.0005."""
    close = [r.replace("quick brown", "slow") if i % 8 == 1 else g
             for i, (r, g) in enumerate(zip(REFERENCES, GOOD, strict=True))]
    ours = paired_test(CHRF(word_order=2), close, GOOD, REFERENCES, trials=2000)
    assert ours["p_value"] == pytest.approx(1 / 32, abs=0.01)


def test_identical_systems_have_p_one():
    test = paired_test(CHRF(), GOOD, GOOD, REFERENCES, trials=100)
    assert test["p_value"] == 1.0 and test["difference"] == 0.0


def test_ties_count_half_for_discrete_metrics():
    """One item differs: every swap gives |d*| = |d|, so p is about 1/2, not small."""
    arm = np.array([[1.0, 1.0], [0.0, 1.0]])
    reference = np.array([[0.0, 1.0], [0.0, 1.0]])
    assert randomisation_p(arm, reference, ratio_score, trials=999) > 0.4


def _bpc_seeds(rng, chars, level, seeds, seed_sd):
    return [np.stack([chars * (level + rng.normal(0, seed_sd) + rng.normal(0, 0.02, len(chars))),
                      chars], 1) for _ in range(seeds)]


def test_recipe_test_counts_the_seed_variance():
    rng = np.random.default_rng(0)
    chars = rng.integers(50, 150, size=60).astype(float)
    arm = _bpc_seeds(rng, chars, 1.2, 3, 0.2)  # seeds that disagree widely
    reference = _bpc_seeds(rng, chars, 1.5, 3, 0.2)
    recipe = recipe_test(arm, reference, ratio_score, resamples=300)
    checkpoint = checkpoint_test(arm, reference, ratio_score, trials=300)
    width = lambda t: t["ci95"][1] - t["ci95"][0]  # noqa: E731
    assert width(recipe) > 5 * width(checkpoint)
    assert recipe["level"] == "recipe" and checkpoint["level"] == "checkpoint"
    assert recipe["seed_sd"] == pytest.approx(0.2, rel=0.8) and recipe["df"] < 10
    assert recipe["difference"] == pytest.approx(checkpoint["difference"])


def test_recipe_test_against_a_fixed_base_has_no_reference_seed_variance():
    rng = np.random.default_rng(1)
    chars = rng.integers(50, 150, size=60).astype(float)
    arm = _bpc_seeds(rng, chars, 1.2, 3, 0.01)
    base = _bpc_seeds(rng, chars, 1.5, 1, 0.0)
    result = recipe_test(arm, base, ratio_score, resamples=300)
    assert result["p_value"] < 0.01 and result["ci95"][1] < 0
    with pytest.raises(ValueError, match="two seeds"):
        recipe_test(base, arm, ratio_score)


def test_misaligned_arms_are_refused():
    with pytest.raises(ValueError, match="same items"):
        checkpoint_test([np.ones((3, 2))], [np.ones((4, 2))], ratio_score)


def test_holm():
    adjusted = holm([0.01, 0.04, float("nan"), 0.03])
    assert adjusted[0] == pytest.approx(0.03)
    assert adjusted[3] == pytest.approx(0.06) and adjusted[1] == pytest.approx(0.06)
    assert np.isnan(adjusted[2])
