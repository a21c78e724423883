"""Paired bootstrap against sacrebleu's own implementation, pooled seeds, and Holm."""

import numpy as np
import pytest
from langadapt.eval.significance import (
    bootstrap_difference,
    holm,
    paired_bootstrap,
    ratio_score,
)
from sacrebleu.metrics import BLEU, CHRF
from sacrebleu.significance import PairedTest

REFERENCES = [f"the quick brown fox number {i} jumps over the lazy dog" for i in range(40)]
GOOD = [r if i % 3 else r.replace("lazy", "sleepy") for i, r in enumerate(REFERENCES)]
WEAK = [r.replace("quick brown", "slow").replace("jumps", "walks") if i % 2 else r
        for i, r in enumerate(REFERENCES)]


@pytest.mark.parametrize("make_metric", [lambda: CHRF(word_order=2), BLEU])
def test_p_value_equals_sacrebleu_paired_bootstrap(make_metric, monkeypatch):
    monkeypatch.setenv("SACREBLEU_SEED", "12345")
    test = PairedTest([("baseline", WEAK), ("system", GOOD)], {"m": make_metric()},
                      [REFERENCES], test_type="bs", n_samples=300)
    _, scores = test()
    name = next(key for key in scores if key != "System")
    expected = scores[name][1]
    ours = paired_bootstrap(make_metric(), GOOD, WEAK, REFERENCES, resamples=300, seed=12345)
    assert ours["p_value"] == pytest.approx(expected.p_value, abs=1e-12)
    assert ours["difference"] == pytest.approx(expected.score - scores[name][0].score)
    assert ours["ci95"][0] < ours["difference"] < ours["ci95"][1]


def test_identical_systems_have_p_one():
    test = paired_bootstrap(CHRF(), GOOD, GOOD, REFERENCES, resamples=100)
    assert test["p_value"] == 1.0 and test["difference"] == 0.0


def test_pooled_seeds_widen_the_interval():
    rng = np.random.default_rng(0)
    chars = rng.integers(50, 150, size=60).astype(float)
    base = np.stack([chars * 1.5, chars], axis=1)
    one = [np.stack([chars * 1.2, chars], axis=1)]
    # two seeds of the arm that disagree: same mean as `one`, more uncertainty
    two = [np.stack([chars * 1.0, chars], axis=1), np.stack([chars * 1.4, chars], axis=1)]
    single = bootstrap_difference(one, [base], ratio_score, resamples=300)
    pooled = bootstrap_difference(two, [base], ratio_score, resamples=300)
    assert single["difference"] == pytest.approx(-0.3)
    assert pooled["difference"] == pytest.approx(-0.3)
    width = lambda t: t["ci95"][1] - t["ci95"][0]  # noqa: E731
    assert width(pooled) > 10 * width(single)
    assert "pooled over seeds" in pooled["method"]


def test_misaligned_arms_are_refused():
    with pytest.raises(ValueError, match="same items"):
        bootstrap_difference([np.ones((3, 2))], [np.ones((4, 2))], ratio_score)


def test_holm():
    adjusted = holm([0.01, 0.04, float("nan"), 0.03])
    assert adjusted[0] == pytest.approx(0.03)
    assert adjusted[3] == pytest.approx(0.06) and adjusted[1] == pytest.approx(0.06)
    assert np.isnan(adjusted[2])
