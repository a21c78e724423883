"""claims.md: the seven claims C1-C7 decided from one run (rule ``paper_claims``).

Each claim declares one primary endpoint in the config (``paper.claims``: comparison, metric,
the paper's direction, and δ, the smallest effect that matters); C5 adds a secondary metric.
The primary endpoint is read from ``comparisons.csv`` and must be a *recipe* comparison (every
trained arm with ``MIN_RECIPE_SEEDS`` seeds; a checkpoint comparison never decides a claim).
Holm's correction runs over the primary endpoints of the run's claims (the family of "yes"
tests), and separately over the equivalence tests of all endpoints (the family of "no" tests).

Verdicts (:func:`decide`):

- **reproduced**: primary p < α after Holm, in the paper's direction, and the arm beats its
  trivial baseline (a non-model floor such as copying the source) where the run has one,
- **not reproduced**: a significant effect opposite to the paper's, or the effect in the
  paper's direction is shown smaller than δ (one-sided t test against δ after Holm: the
  paper-direction half of TOST, i.e. the 90 % interval lies below δ),
- **not measurable at this scale**: neither arm beats the trivial baseline,
- **inconclusive**: otherwise, with the seeds (or items) that would give 80 % power at δ,
  from the measured seed, seed-by-item and item variances.

Two-metric rule (C5): the claim is reproduced when the primary is reproduced and the secondary
is not "not reproduced"; it is not reproduced when either endpoint is; otherwise the primary's
verdict stands. Nothing here looks at a test split to choose anything: sizes are in the config.
"""

import math
from pathlib import Path

import numpy as np
import pandas as pd

from langadapt.eval.significance import MIN_RECIPE_SEEDS, holm
from langadapt.paper.baselines import baseline_floor
from langadapt.paper.names import arm_of, better_direction

REPRODUCED, NOT_REPRODUCED = "reproduced", "not reproduced"
NOT_MEASURABLE, INCONCLUSIVE = "not measurable at this scale", "inconclusive"
NO_VERDICT = "no verdict: checkpoint comparison"
MIN_SCALING_SIZES, MIN_SCALING_SEEDS = 6, 2
POWER = 0.8
TABLE_OF = {"b": "mixing_ratio", "c": "mixing_ratio", "s": "synthetic", "i": "cpt",
            "h": "instructions", "d": "instructions"}
STATEMENTS = {
    "C1": ("Llama-eus", "CPT lowers target-language bpc (against the English-only control)"),
    "C2": ("Llama-eus", "English bpc rises with the target share (forgetting), against the "
                        "English-only control at equal tokens"),
    "C3": ("Llama-eus, Nemotron", "SFT from the CPT model beats SFT from the base model"),
    "C4": ("x-LLaMA", "translation score rises with translation-task examples, following "
                      "Y = 100 - a * b**log10(X)"),
    "C5": ("x-LLaMA", "target-side translation data (en→xx) beats source-side (xx→en) for "
                      "en→xx translation"),
    "C6": ("Nemotron-Mini-Hindi", "real + synthetic CPT beats real-only CPT at equal tokens"),
    "C7": ("Llama-eus (open question)", "human-translated instructions beat machine-translated "
                                        "ones"),
}
NEEDS = {
    "C1": "CPT cells at the main share and the English-only control (mixing_ratio 0)",
    "C2": "CPT cells at several target shares and the English-only control, out-of-domain "
          "English bpc",
    "C3": "SFT cells init=base and init=cpt at equal instructions",
    "C4": f"≥ {MIN_SCALING_SIZES} translation_examples sizes with ≥ {MIN_SCALING_SEEDS} seeds "
          "each",
    "C5": "SFT cells that differ only in translation_direction (en-xx vs xx-en)",
    "C6": "CPT cells synth 0 vs > 0 at equal ratio and tokens",
    "C7": "SFT cells instr=mt and instr=human at equal init and size",
}


def spearman(x, y, resamples: int = 9999, seed: int = 1) -> tuple[float, float]:
    """Spearman's ρ and its two-sided permutation p-value: exact over all pairings up to
    7 points (scipy's t approximation gives p = 0 for a perfect ρ on 3 points, where the exact
    p is 1/3), else ``resamples`` random ones (seeded)."""
    from scipy.stats import permutation_test, spearmanr

    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = ~(np.isnan(x) | np.isnan(y))
    x, y = x[keep], y[keep]
    if len(x) < 3:
        return math.nan, math.nan
    rho = float(spearmanr(x, y).statistic)
    if rho != rho:  # a constant series
        return math.nan, math.nan
    result = permutation_test((x,), lambda perm: spearmanr(perm, y).statistic,
                              permutation_type="pairings", n_resamples=resamples,
                              alternative="two-sided", rng=np.random.default_rng(seed))
    return rho, float(result.pvalue)


def below_delta_p(row, direction: int, delta: float) -> float:
    """One-sided p of "the effect in the paper's direction is at least δ" (small: it is not)."""
    from scipy import stats

    if row is None or row["level"] != "recipe" or not row["se"] > 0:
        return math.nan
    return float(stats.t.cdf((direction * row["difference"] - delta) / row["se"], row["df"]))


def decide(row, direction: int, p_holm: float, p_below_holm: float, floor, level: float) -> str:
    """Verdict of one endpoint (pure). ``row``: its comparison (``level``, ``difference``,
    ``arm_value``, ``reference_value``, ``metric``); ``floor``: (name, value) of the trivial
    baseline or None; p-values already Holm-adjusted in their families."""
    if row is None:
        return INCONCLUSIVE
    if row["level"] != "recipe":
        return NO_VERDICT
    better = better_direction(row["metric"])
    beats = (lambda value: better * (value - floor[1]) > 0) if floor else (lambda value: True)
    values = [row["arm_value"], row["reference_value"]]
    if floor and all(v == v for v in values) and not any(beats(v) for v in values):
        return NOT_MEASURABLE
    if p_holm < level:
        if np.sign(row["difference"]) != direction:
            return NOT_REPRODUCED
        winner = row["arm_value"] if direction * better > 0 else row["reference_value"]
        return REPRODUCED if beats(winner) else INCONCLUSIVE
    if p_below_holm < level:
        return NOT_REPRODUCED
    return INCONCLUSIVE


def combine(primary: str, secondary: list[str]) -> str:
    """The two-metric rule of the module docstring."""
    if NOT_REPRODUCED in [primary, *secondary]:
        return NOT_REPRODUCED
    return primary


def power_statement(row, delta: float, alpha: float) -> str:
    """Seeds per arm (at the run's items) and items (at the run's seeds) for 80 % power at δ,
    two-sided at ``alpha``, from the row's measured variance components."""
    from scipy.stats import norm

    if row is None:
        return ""
    if row["level"] != "recipe" or not row["seed_sd"] == row["seed_sd"]:
        return (f"The arms have {int(row['seeds_arm'])} and {int(row['seeds_reference'])} "
                f"seeds: a recipe test needs ≥ {MIN_RECIPE_SEEDS} per trained arm.")
    trained = 1 if int(row["seeds_reference"]) == 1 else 2  # a one-seed reference is fixed
    seed_var, noise, interaction = (np.nan_to_num(row[k]) ** 2
                                    for k in ("seed_sd", "noise_sd", "item_sd"))
    items = int(row["items"]) if row["items"] == row["items"] else 0
    seeds = int(row["seeds_arm"])

    def se(k, n):
        return math.sqrt(trained * (seed_var / k + (noise / (n * k) if n else 0))
                         + (interaction / n if n else 0))

    needed = delta / (norm.ppf(1 - alpha / 2) + norm.ppf(POWER))
    k = next((k for k in range(MIN_RECIPE_SEEDS, 10001) if se(k, items) <= needed), None)
    text = (f"80 % power at δ = {delta:g} (two-sided α = {alpha:.3g}) needs "
            + (f"{k} seeds per arm at {items} items" if k else "more than 10,000 seeds per arm"))
    if items:
        n = next((n for n in (items * 2 ** j for j in range(1, 15)) if se(seeds, n) <= needed),
                 None)
        text += (f", or about {n} items at {seeds} seeds" if n else
                 f"; at {seeds} seeds no item count suffices (seed variance)")
    return text + "."


def _pick(comparisons, marker: str, metric: str, arm=None, prefix: str = ""):
    rows = comparisons[(comparisons["table"] == TABLE_OF[marker])
                       & (comparisons["marker"] == marker) & (comparisons["metric"] == metric)]
    if arm is not None:
        rows = rows[rows["arm"] == arm]
    if prefix:
        rows = rows[rows["arm"].str.startswith(prefix)]
    if rows.empty:
        return None
    seeds = rows[["seeds_arm", "seeds_reference"]].min(axis=1)
    return rows.loc[seeds.sort_values(ascending=False, kind="stable").index[0]]


def main_cpt_arm(comparisons: pd.DataFrame) -> str | None:
    """The CPT arm of the stage table (the one SFT starts from), else the first CPT arm."""
    for table in ("stages", "mixing_ratio"):
        arms = comparisons.loc[(comparisons["table"] == table)
                               & comparisons["arm"].str.startswith("cpt/"), "arm"]
        if not arms.empty:
            return arms.iloc[0]
    return None


def endpoint_row(claim: str, spec: dict, wide, comparisons):
    """The comparisons.csv row of a claim's (primary or secondary) endpoint, or None."""
    marker, metric = spec["comparison"], spec["metric"]
    if claim == "C1":
        return _pick(comparisons, marker, metric, arm=main_cpt_arm(comparisons))
    if claim == "C2":
        cpt = wide[wide["stage"] == "cpt"]
        for ratio in sorted(cpt["ratio"].dropna().unique(), reverse=True):
            arms = sorted({arm_of(c) for c in cpt.loc[cpt["ratio"] == ratio, "checkpoint"]})
            rows = [r for r in (_pick(comparisons, marker, metric, arm=a) for a in arms)
                    if r is not None]
            if rows:
                return max(rows, key=lambda r: min(r["seeds_arm"], r["seeds_reference"]))
        return None
    return _pick(comparisons, marker, metric, prefix="sft/" if marker in "ihd" else "")


def scaling_endpoint(fit: dict) -> dict:
    """C4's test: Spearman trend over size means, with the design check (pure)."""
    sizes, seeds = fit.get("sizes", []), fit.get("seeds_per_size", [])
    enough = len(sizes) >= MIN_SCALING_SIZES and bool(seeds) and min(seeds) >= MIN_SCALING_SEEDS
    rho = p = math.nan
    if fit.get("x"):
        means = pd.Series(fit["y"]).groupby(pd.Series(fit["x"])).mean()
        if len(means) >= 3:
            rho, p = spearman(means.index, means.values)
    return {"enough": enough, "rho": rho, "p": p if enough else math.nan,
            "law_better": fit.get("loo_rmse_law", math.nan) < fit.get("loo_rmse_line", math.nan)}


def decide_scaling(test: dict, direction: int, p_holm: float, floor, best_mean: float,
                   level: float) -> str:
    """C4 (pure): reproduced = significant trend in the paper's direction and the law predicts
    held-out sizes better than a straight line in log X; not reproduced = significant opposite
    trend, or a significant trend the line predicts at least as well."""
    if not test["enough"]:
        return INCONCLUSIVE
    if floor and not best_mean > floor[1]:  # translation scores: higher is better
        return NOT_MEASURABLE
    if p_holm < level:
        if np.sign(test["rho"]) != direction or not test["law_better"]:
            return NOT_REPRODUCED
        return REPRODUCED
    return INCONCLUSIVE


def _effect(row, scale: float, digits: int) -> str:
    if row is None:
        return "–"
    return (f"{row['difference'] * scale:+.{digits}f} "
            f"[{row['ci_low'] * scale:+.{digits}f}, {row['ci_high'] * scale:+.{digits}f}]")


def _scale(metric: str) -> tuple[float, int]:
    if metric in ("mc_acc", "if_target_language_share"):
        return 100.0, 1
    return (1.0, 3) if metric.startswith("bpc_") else (1.0, 2)


def _p_text(row, p_holm: float) -> str:
    if p_holm == p_holm:
        return f"{p_holm:.3g}"
    if row is None:
        return "–"
    return f"({row['p']:.3g} uncorrected, {row['level']})"  # a test that decides nothing


def _number(value: float, digits: int = 2) -> str:
    return "–" if value != value else f"{value:.{digits}f}"


def _line(claim, role, spec, row, p_holm, verdict, floor) -> dict:
    scale, digits = _scale(spec["metric"])
    unit = " (pp)" if scale == 100 else ""
    comparison = "–" if row is None else (
        f"`{row['arm']}` vs `{row['reference']}` ({int(row['seeds_arm'])} vs "
        f"{int(row['seeds_reference'])} seeds, {row['level']})")
    return {"claim": claim, "role": role, "metric": spec["metric"] + unit,
            "direction": spec["direction"], "delta": spec["delta"] * scale,
            "comparison": comparison, "effect": _effect(row, scale, digits),
            "p": _p_text(row, p_holm), "verdict": verdict,
            "baseline": ("no baseline" if not floor else
                         f"{floor[0]} {floor[1] * scale:.{digits}f}")}


def decide_claims(wide: pd.DataFrame, comparisons: pd.DataFrame, scaling: dict,
                  endpoints: dict, scaling_metric: str, level: float = 0.05) -> list[dict]:
    """One dict per configured claim: its endpoint lines, verdict, power and notes."""
    rows, tests = {}, {}
    for claim, spec in endpoints.items():
        if spec["comparison"] == "scaling":
            fit = (scaling or {}).get("fits", {}).get(scaling_metric, {})
            tests[claim] = scaling_endpoint(fit)
            continue
        specs = [("primary", spec)] + [("secondary", s) for s in spec.get("secondary", [])]
        for role, s in specs:
            rows[(claim, role, s["metric"])] = endpoint_row(
                claim, {**s, "comparison": spec["comparison"]}, wide, comparisons)
    sign = {claim: 1 if spec["direction"] == "higher" else -1 for claim, spec in endpoints.items()}
    primary_p = []
    for claim, spec in endpoints.items():
        if claim in tests:
            primary_p.append(tests[claim]["p"])
        else:
            row = rows[(claim, "primary", spec["metric"])]
            primary_p.append(row["p"] if row is not None and row["level"] == "recipe" else math.nan)
    primary_holm = dict(zip(endpoints, holm(primary_p), strict=True))
    below_keys = [key for key in rows if len(key) == 3]
    below = holm([below_delta_p(rows[key], sign[key[0]], _delta(endpoints[key[0]], key))
                  for key in below_keys])
    below_holm = dict(zip(below_keys, below, strict=True))
    m = int(np.isfinite(primary_p).sum())
    claims = []
    for claim, spec in endpoints.items():
        paper, statement = STATEMENTS[claim]
        if claim in tests:
            claims.append(_scaling_claim(claim, spec, tests[claim], wide, scaling, scaling_metric,
                                         primary_holm[claim], level, paper, statement))
            continue
        lines, verdicts, power = [], [], ""
        specs = [("primary", spec)] + [("secondary", s) for s in spec.get("secondary", [])]
        for role, s in specs:  # one secondary per claim: its p is not corrected
            key = (claim, role, s["metric"])
            row, floor = rows[key], baseline_floor(wide, s["metric"])
            p = primary_holm[claim] if role == "primary" else (
                row["p"] if row is not None and row["level"] == "recipe" else math.nan)
            verdict = decide(row, sign[claim], p, below_holm[key], floor, level)
            verdicts.append(verdict)
            lines.append(_line(claim, role, {**s, "direction": spec["direction"]}, row, p,
                               verdict, floor))
            if role == "primary" and verdict in (INCONCLUSIVE, NO_VERDICT):
                power = power_statement(row, s["delta"], level / max(m, 1))
        verdict = combine(verdicts[0], verdicts[1:])
        claims.append({"id": claim, "paper": paper, "claim": statement, "lines": lines,
                       "verdict": verdict, "power": power,
                       "needs": NEEDS[claim] if lines[0]["comparison"] == "–" else ""})
    return claims


def _delta(spec: dict, key: tuple) -> float:
    if key[1] == "primary":
        return spec["delta"]
    return next(s["delta"] for s in spec["secondary"] if s["metric"] == key[2])


def _scaling_claim(claim, spec, test, wide, scaling, metric, p_holm, level, paper,
                   statement) -> dict:
    fit = (scaling or {}).get("fits", {}).get(metric, {})
    floor = baseline_floor(wide, metric)
    best = max(fit.get("y") or [math.nan])
    verdict = decide_scaling(test, 1 if spec["direction"] == "higher" else -1, p_holm, floor,
                             best, level)
    sizes = [int(s) for s in fit.get("sizes", [])]
    line = {"claim": claim, "role": "primary", "metric": metric, "direction": spec["direction"],
            "delta": spec["delta"],
            "comparison": f"sizes {sizes}, seeds per size {fit.get('seeds_per_size', [])}",
            "effect": (f"Spearman ρ = {test['rho']:+.2f} over size means"
                       if test["rho"] == test["rho"] else "–"),
            "p": "–" if p_holm != p_holm else f"{p_holm:.3g}", "verdict": verdict,
            "baseline": "no baseline" if not floor else f"{floor[0]} {floor[1]:.2f}"}
    notes = (f"Leave-one-size-out RMSE: law {_number(fit.get('loo_rmse_law', math.nan))}, "
             f"straight line in log X {_number(fit.get('loo_rmse_line', math.nan))}; b = "
             f"{_number(fit.get('b', math.nan), 3)}." if fit.get("fitted") else
             f"No fit: {fit.get('reason', 'no SFT translation-size series')}.")
    power = "" if test["enough"] else (
        f"A verdict needs ≥ {MIN_SCALING_SIZES} sizes with ≥ {MIN_SCALING_SEEDS} seeds each.")
    return {"id": claim, "paper": paper, "claim": statement, "lines": [line],
            "verdict": verdict, "power": f"{notes} {power}".strip(), "needs": ""}


def claims_markdown(claims: list[dict], run: str, language_name: str, level: float,
                    note: str = "", disclosure: str = "") -> str:
    lines = [f"# Claims of the three papers on run `{run}` ({language_name})", ""]
    for text in (disclosure, note):
        if text.strip():
            lines += [text.strip(), ""]
    lines += [
        f"Generated by rule `paper_claims` from `results/paper/{run}/comparisons.csv`, "
        "metrics.csv and scaling_law.json. Each claim has one primary endpoint (config "
        "`paper.claims`); its p is Holm-corrected over the primary endpoints of all claims "
        f"(α = {level:g}). A verdict needs a recipe comparison: every trained arm with ≥ "
        f"{MIN_RECIPE_SEEDS} seeds, tested over seeds and items (two-level t test); a checkpoint "
        "comparison (fewer seeds; approximate randomisation over items) gives no verdict. "
        "*Not reproduced* means a significant opposite effect or an effect shown smaller than δ "
        "in the paper's direction (one-sided test against δ, Holm over all endpoints); *not "
        "measurable at this scale* means neither arm beats its trivial baseline. Effects are "
        "arm − reference with their 95 % interval. Two-metric rule (C5): the secondary "
        "endpoint (its p uncorrected) can only turn the claim into *not reproduced*.", "",
        "| claim | paper | endpoint | metric | direction, δ | comparison | effect [95 % CI] | "
        "p (Holm) | trivial baseline | verdict |",
        "|---|---|---|---|---|---|---|---|---|---|"]
    for claim in claims:
        for index, line in enumerate(claim["lines"]):
            first = index == 0
            lines.append("| " + " | ".join([
                f"**{claim['id']}** {claim['claim']}" if first else "",
                claim["paper"] if first else "", line["role"], line["metric"],
                f"{line['direction']}, {line['delta']:g}", line["comparison"], line["effect"],
                line["p"], line["baseline"],
                f"**{claim['verdict']}**" if first else f"({line['verdict']})"]) + " |")
    lines += ["", "## Notes", ""]
    for claim in claims:
        text = f"- **{claim['id']}** ({claim['verdict']})."
        if claim["power"]:
            text += " " + claim["power"]
        if claim["needs"]:
            text += f" To decide it: {claim['needs']}."
        lines.append(text)
    return "\n".join(lines) + "\n"


def write_claims(metrics_csv, comparisons_csv, scaling_json, out_md, run: str,
                 language_name: str, endpoints: dict, level: float = 0.05,
                 scaling_metric: str = "chrf++_en-xx", note: str = "",
                 disclosure: str = "") -> list[dict]:
    from langadapt.paper.aggregate import read_metrics_csv, wide
    from langadapt.paper.comparisons import read_comparisons
    from langadapt.textio import read_json

    table = wide(read_metrics_csv(metrics_csv))
    claims = decide_claims(table, read_comparisons(comparisons_csv), read_json(scaling_json),
                           endpoints, scaling_metric, level)
    Path(out_md).write_text(claims_markdown(claims, run, language_name, level, note, disclosure),
                            encoding="utf-8")
    return claims
