"""Verdict logic of the claims (pure functions): equivalence says no, checkpoint comparisons
decide nothing, a trivial baseline can make a claim unmeasurable, the scaling law must beat a
straight line, and the power statement comes from the measured variances."""

import math

import pandas as pd
from langadapt.paper.claims import (
    INCONCLUSIVE,
    NO_VERDICT,
    NOT_MEASURABLE,
    NOT_REPRODUCED,
    REPRODUCED,
    below_delta_p,
    combine,
    decide,
    decide_claims,
    decide_scaling,
    power_statement,
)
from langadapt.paper.comparisons import COLUMNS


def row(difference=0.5, se=0.4, df=8.0, level="recipe", metric="chrf++_en-xx", arm=20.0,
        reference=19.5, seeds=(3, 3), p=0.3):
    half = 2.3 * se
    return pd.Series({"metric": metric, "difference": difference, "se": se, "df": df,
                      "ci_low": difference - half, "ci_high": difference + half, "p": p,
                      "level": level, "arm_value": arm, "reference_value": reference,
                      "seeds_arm": seeds[0], "seeds_reference": seeds[1], "items": 150,
                      "seed_sd": 0.8, "noise_sd": 5.0, "item_sd": 3.0})


def test_an_interval_within_plus_minus_delta_is_not_reproduced():
    within = row(difference=0.1, se=0.2)  # 90 % interval ~ [-0.27, 0.47], δ = 1
    assert abs(within["ci_low"]) < 1 and within["ci_high"] < 1
    p_below = below_delta_p(within, +1, 1.0)
    assert p_below < 0.05
    assert decide(within, +1, p_holm=0.9, p_below_holm=p_below, floor=None,
                  level=0.05) == NOT_REPRODUCED


def test_an_interval_that_reaches_delta_is_inconclusive():
    wide_interval = row(difference=0.5, se=0.8)
    p_below = below_delta_p(wide_interval, +1, 1.0)
    assert p_below > 0.05
    assert decide(wide_interval, +1, 0.6, p_below, None, 0.05) == INCONCLUSIVE


def test_arms_with_fewer_than_three_seeds_never_give_a_verdict():
    for seeds in ((1, 1), (2, 3), (2, 1)):
        checkpoint = row(difference=5.0, se=0.1, level="checkpoint", seeds=seeds, p=1e-4)
        assert math.isnan(below_delta_p(checkpoint, +1, 1.0))
        assert decide(checkpoint, +1, 1e-4, 1e-4, None, 0.05) == NO_VERDICT
        assert "a recipe test needs ≥ 3" in power_statement(checkpoint, 1.0, 0.05)


def test_significant_effects_in_either_direction():
    better = row(difference=3.0, se=0.5, p=1e-3)
    assert decide(better, +1, 0.004, 1.0, None, 0.05) == REPRODUCED
    assert decide(better, -1, 0.004, 1.0, None, 0.05) == NOT_REPRODUCED


def test_the_trivial_baseline_floor():
    better = row(difference=3.0, se=0.5, arm=22.0, reference=19.0, p=1e-3)
    assert decide(better, +1, 0.004, 1.0, ("baseline/copy_source", 20.4), 0.05) == REPRODUCED
    # neither arm beats copying the source: the effect measures nothing
    assert decide(better, +1, 0.004, 1.0, ("baseline/copy_source", 25.0),
                  0.05) == NOT_MEASURABLE
    # arm values missing from metrics.csv: the floor cannot be checked, so it does not decide
    unknown = row(difference=3.0, se=0.5, arm=math.nan, reference=math.nan, p=1e-3)
    assert decide(unknown, +1, 0.004, 1.0, ("baseline/copy_source", 25.0), 0.05) == INCONCLUSIVE
    # bpc is lower-is-better: a floor of 3.0 is beaten by 2.1
    bpc = row(difference=-0.3, se=0.05, metric="bpc_target", arm=2.1, reference=2.4)
    assert decide(bpc, -1, 0.001, 1.0, ("baseline/x", 3.0), 0.05) == REPRODUCED


def test_two_metric_rule():
    assert combine(REPRODUCED, [INCONCLUSIVE]) == REPRODUCED
    assert combine(REPRODUCED, [NOT_REPRODUCED]) == NOT_REPRODUCED
    assert combine(INCONCLUSIVE, [NOT_REPRODUCED]) == NOT_REPRODUCED
    assert combine(INCONCLUSIVE, [REPRODUCED]) == INCONCLUSIVE


def test_power_statement_from_measured_variances():
    item_dominated = row()
    item_dominated["seed_sd"] = 0.1
    text = power_statement(item_dominated, delta=1.0, alpha=0.05 / 7)
    # se^2(k, n) = 2 (0.1^2/k + 5^2/(n k)) + 3^2/n <= (1 / (z_0.99643 + z_0.8))^2
    assert "needs 18 seeds per arm at 150 items, or about 600 items at 3 seeds" in text
    seed_dominated = row()
    seed_dominated["seed_sd"] = 3.0
    assert "no item count suffices" in power_statement(seed_dominated, 1.0, 0.05 / 7)


def test_scaling_law_verdicts():
    test = {"enough": True, "rho": 0.9, "p": 0.003, "law_better": True}
    assert decide_scaling(test, +1, 0.01, None, 30.0, 0.05) == REPRODUCED
    assert decide_scaling({**test, "law_better": False}, +1, 0.01, None, 30.0,
                          0.05) == NOT_REPRODUCED
    assert decide_scaling({**test, "enough": False}, +1, 0.01, None, 30.0, 0.05) == INCONCLUSIVE
    assert decide_scaling(test, +1, 0.01, ("baseline/copy_source", 35.0), 30.0,
                          0.05) == NOT_MEASURABLE


def test_holm_runs_over_the_primary_endpoints_of_all_claims():
    endpoints = {"C6": {"comparison": "s", "metric": "bpc_target", "direction": "lower",
                        "delta": 0.02},
                 "C7": {"comparison": "h", "metric": "if_target_language_share",
                        "direction": "higher", "delta": 0.05}}
    base = {c: math.nan for c in COLUMNS}
    rows = [{**base, **row(difference=-0.1, se=0.03, metric="bpc_target", arm=1.9,
                           reference=2.0, p=0.03).to_dict(),
             "table": "synthetic", "marker": "s", "arm": "cpt/ratio=0.8/synth=50",
             "reference": "cpt/ratio=0.8/synth=0"},
            {**base, **row(difference=0.02, se=0.1, metric="if_target_language_share",
                           arm=0.5, reference=0.48, p=0.8).to_dict(),
             "table": "instructions", "marker": "h", "arm": "sft/instr=human",
             "reference": "sft/instr=mt"}]
    wide = pd.DataFrame({"checkpoint": ["base"], "stage": ["base"], "ratio": [None]})
    claims = decide_claims(wide, pd.DataFrame(rows), {}, endpoints, "chrf++_en-xx")
    # p 0.03 alone would pass; Holm over the two claims makes it 0.06
    assert claims[0]["lines"][0]["p"] == "0.06" and claims[0]["verdict"] == INCONCLUSIVE
    assert "80 % power" in claims[0]["power"]
    assert claims[1]["lines"][0]["baseline"] == "no baseline"
