"""claims.md: the seven claims of issue 9 decided from one run (rule ``paper_claims``).

Each claim reads the run's ``comparisons.csv`` (paired bootstrap, Holm-corrected within each
table), its ``metrics.csv`` and its scaling-law fit, and gets a verdict:

- **reproduced**: the effect the paper reports is significant in the paper's direction,
- **not reproduced**: it is significant in the opposite direction (or the fit contradicts it),
- **inconclusive**: not significant, or the run lacks the cells to test it; the row says what
  would decide it.

Nothing here looks at a test split to choose anything: sizes are set in the config.
"""

import math
from pathlib import Path

import numpy as np
import pandas as pd

from langadapt.paper.figures import english_bpc_metric
from langadapt.paper.names import arm_of

REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE = "reproduced", "not reproduced", "inconclusive"
MIN_SCALING_SIZES, MIN_SCALING_MAX = 5, 512


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


def _verdict(row, expected_sign: int) -> str:
    if row is None:
        return INCONCLUSIVE
    if bool(row["significant"]):
        return REPRODUCED if np.sign(row["difference"]) == expected_sign else NOT_REPRODUCED
    return INCONCLUSIVE


def _combine(verdicts: list[str]) -> str:
    if NOT_REPRODUCED in verdicts:
        return NOT_REPRODUCED
    if verdicts and all(v == REPRODUCED for v in verdicts):
        return REPRODUCED
    return INCONCLUSIVE


def _find(comparisons, table, marker, metric, arm_prefix="", arm=None):
    rows = comparisons[(comparisons["table"] == table) & (comparisons["marker"] == marker)
                       & (comparisons["metric"] == metric)]
    if arm is not None:
        rows = rows[rows["arm"] == arm]
    elif arm_prefix:
        rows = rows[rows["arm"].str.startswith(arm_prefix)]
    return None if rows.empty else rows.iloc[0]


def _effect(row, scale: float = 1.0, digits: int = 3) -> tuple[str, str]:
    if row is None:
        return "–", "–"
    effect = (f"{row['difference'] * scale:+.{digits}f} "
              f"[{row['ci_low'] * scale:+.{digits}f}, {row['ci_high'] * scale:+.{digits}f}]")
    return effect, f"{row['p_holm']:.3g}"


def _comparison_text(row) -> str:
    if row is None:
        return "–"
    seeds = f" ({int(row['seeds_arm'])} vs {int(row['seeds_reference'])} seeds)"
    return f"`{row['arm']}` vs `{row['reference']}`{seeds}"


def _claim(cid, paper, statement, rows, verdict, needs="", extra="") -> dict:
    return {"id": cid, "paper": paper, "claim": statement, "rows": rows, "verdict": verdict,
            "needs": needs, "extra": extra}


def _row(label, row, scale=1.0, digits=3) -> dict:
    effect, p = _effect(row, scale, digits)
    return {"metric": label, "comparison": _comparison_text(row), "effect": effect, "p": p}


def main_cpt_arm(comparisons: pd.DataFrame) -> str | None:
    """The CPT arm of the stage table (the one SFT starts from), else the first CPT arm."""
    for table in ("stages", "mixing_ratio"):
        arms = comparisons.loc[(comparisons["table"] == table)
                               & comparisons["arm"].str.startswith("cpt/"), "arm"]
        if not arms.empty:
            return arms.iloc[0]
    return None


def decide_claims(wide: pd.DataFrame, comparisons: pd.DataFrame, scaling: dict,
                  scaling_metric: str = "chrf++_en-xx", bpc_margin: float = 0.05) -> list[dict]:
    claims = []
    cpt_arm = main_cpt_arm(comparisons)
    # C1
    vs_base = _find(comparisons, "mixing_ratio", "b", "bpc_target", arm=cpt_arm)
    vs_control = _find(comparisons, "mixing_ratio", "c", "bpc_target", arm=cpt_arm)
    claims.append(_claim(
        "C1", "Llama-eus", "CPT lowers target-language bpc against the base model and against "
        "the English-only control",
        [_row("bpc target vs base", vs_base), _row("bpc target vs control", vs_control)],
        _combine([_verdict(vs_base, -1), _verdict(vs_control, -1)]),
        needs="an English-only control cell (mixing_ratio 0) and per-document bpc"))
    # C2
    english = english_bpc_metric(wide)
    cpt = wide[wide["stage"] == "cpt"]
    largest = None
    if not cpt.empty and english in cpt:
        top = cpt["ratio"].max()
        arms = sorted({arm_of(c) for c in cpt.loc[cpt["ratio"] == top, "checkpoint"]})
        for arm in arms:
            largest = _find(comparisons, "mixing_ratio", "c", english, arm=arm)
            if largest is not None:
                break
    within = "–"
    base = wide[wide["stage"] == "base"]
    if not cpt.empty and english in cpt and not base.empty and english in base:
        means = cpt.groupby("ratio")[english].mean()
        ok = means[means <= base[english].iloc[0] + bpc_margin]
        within = f"{ok.index.max():g}" if not ok.empty else "none"
    trend = ""
    if not cpt.empty and english in cpt and cpt["ratio"].nunique() >= 3:
        rho, p = spearman(cpt["ratio"], cpt[english])
        trend = (f"Spearman ρ(target share, {english}) = {rho:+.2f} (permutation p = {p:.3g}) "
                 "over all CPT cells. ")
    claims.append(_claim(
        "C2", "Llama-eus", f"out-of-domain English bpc rises with the target share "
        f"(forgetting); the largest target share within {bpc_margin:g} bpc of base",
        [_row(f"{english} at the largest share vs control", largest)],
        _verdict(largest, +1),
        needs="out-of-domain English bpc per document, several target shares and seeds",
        extra=f"{trend}Largest target share whose mean {english} is within {bpc_margin:g} of "
              f"the base model: {within}."))
    # C3
    rate = _find(comparisons, "cpt", "i", "if_target_language_share", arm_prefix="sft/")
    chrf = _find(comparisons, "cpt", "i", "chrf++_en-xx", arm_prefix="sft/")
    claims.append(_claim(
        "C3", "Llama-eus, Nemotron", "SFT from the CPT model beats SFT from the base model on "
        "target-language answer rate and en→xx chrF++",
        [_row("answer rate in target (pp)", rate, 100, 1), _row("chrF++ en→xx", chrf, 1, 2)],
        _combine([_verdict(rate, +1), _verdict(chrf, +1)]),
        needs="SFT cells init=base and init=cpt at equal instructions, more held-out prompts"))
    # C4
    fit = (scaling or {}).get("fits", {}).get(scaling_metric, {})
    sizes = fit.get("sizes", [])
    enough = len(sizes) >= MIN_SCALING_SIZES and (max(sizes) if sizes else 0) >= MIN_SCALING_MAX
    rho_text, p_text, verdict = "–", "–", INCONCLUSIVE
    if fit.get("x") and len(set(fit["x"])) >= 3:
        rho, p = spearman(fit["x"], fit["y"])
        rho_text, p_text = f"Spearman ρ = {rho:+.2f}", f"{p:.3g} (permutation)"
        loo = fit.get("loo_r_squared", math.nan)
        if fit.get("fitted") and enough:
            if fit["b"] < 1 and p < 0.05 and loo == loo and loo >= 0.5:
                verdict = REPRODUCED
            elif rho < 0 and p < 0.05 or (loo == loo and loo < 0):
                verdict = NOT_REPRODUCED
    loo_text = (f"{fit['loo_r_squared']:.2f}" if isinstance(fit.get("loo_r_squared"), float)
                and fit["loo_r_squared"] == fit["loo_r_squared"] else "–")
    claims.append(_claim(
        "C4", "x-LLaMA", f"{scaling_metric} rises with translation-task examples over ≥ "
        f"{MIN_SCALING_SIZES} log-spaced sizes up to ≥ {MIN_SCALING_MAX}; log-law fit",
        [{"metric": scaling_metric, "comparison": f"sizes {sizes}", "effect": rho_text,
          "p": p_text}],
        verdict, needs=f"≥ {MIN_SCALING_SIZES} sizes up to ≥ {MIN_SCALING_MAX} examples "
        "(sft.grid translation_examples), ideally several seeds per size",
        extra=f"Fit: R² = {fit.get('r_squared', math.nan):.2f}, leave-one-out R² = {loo_text}, "
              f"b = {fit.get('b', math.nan):.3f}." if fit.get("fitted") else
              f"No fit: {fit.get('reason', 'no SFT translation-size series')}."))
    # C5
    direction_chrf = _find(comparisons, "instructions", "d", "chrf++_en-xx", arm_prefix="sft/")
    direction_bleu = _find(comparisons, "instructions", "d", "bleu_en-xx", arm_prefix="sft/")
    claims.append(_claim(
        "C5", "x-LLaMA", "target-side translation data (en→xx) beats source-side (xx→en) for "
        "en→xx translation (en→xx-data arm − xx→en-data arm)",
        [_row("chrF++ en→xx", direction_chrf, 1, 2), _row("BLEU en→xx", direction_bleu, 1, 2)],
        _verdict(direction_chrf, +1),
        needs="SFT cells that differ only in translation_direction (en-xx vs xx-en in sft.grid, "
              "same init, instructions and translation_examples), several seeds, more test "
              "sentences"))
    # C6
    synth_bpc = _find(comparisons, "synthetic", "s", "bpc_target")
    synth_chrf = _find(comparisons, "synthetic", "s", "chrf++_en-xx")
    share = wide.loc[wide["stage"] == "cpt", "synthetic_target_share"].max() \
        if "synthetic_target_share" in wide else math.nan
    claims.append(_claim(
        "C6", "Nemotron-Mini-Hindi", "real + synthetic CPT beats real-only CPT at equal tokens",
        [_row("bpc target", synth_bpc), _row("chrF++ en→xx", synth_chrf, 1, 2)],
        _combine([v for v in (_verdict(synth_bpc, -1), _verdict(synth_chrf, +1))]),
        needs="CPT cells synth 0 vs > 0 at equal ratio and tokens, several seeds",
        extra=f"Synthetic share of target tokens in the synthetic cells: {100 * share:.1f} %."
        if share == share else ""))
    # C7
    human_rate = _find(comparisons, "instructions", "h", "if_target_language_share",
                       arm_prefix="sft/")
    human_chrf = _find(comparisons, "instructions", "h", "chrf++_en-xx", arm_prefix="sft/")
    verdicts = [_verdict(human_rate, +1), _verdict(human_chrf, +1)]
    claims.append(_claim(
        "C7", "Llama-eus (open question)", "human-translated instructions beat machine-translated "
        "ones (human − MT)",
        [_row("answer rate in target (pp)", human_rate, 100, 1),
         _row("chrF++ en→xx", human_chrf, 1, 2)],
        _combine(verdicts),
        needs="SFT cells instr=mt and instr=human at equal init and size, more prompts/seeds"))
    return claims


def claims_markdown(claims: list[dict], run: str, language_name: str, level: float,
                    note: str = "") -> str:
    lines = [f"# Claims of the three papers on run `{run}` ({language_name})", ""]
    if note:
        lines += [note.strip(), ""]
    lines += [
        "Generated by rule `paper_claims` from `results/paper/" + run + "/comparisons.csv` "
        "(paired bootstrap over items as in sacrebleu's paired_bs, pooled over seeds; "
        f"Holm-corrected within each table; significant at p < {level:g}), metrics.csv and "
        "scaling_law.json. Effects are arm − reference with their 95 % bootstrap interval.", "",
        "| claim | paper | metric | comparison | effect [95 % CI] | p (Holm) | verdict |",
        "|---|---|---|---|---|---|---|"]
    for claim in claims:
        for index, row in enumerate(claim["rows"]):
            first = index == 0
            lines.append("| " + " | ".join([
                f"**{claim['id']}** {claim['claim']}" if first else "",
                claim["paper"] if first else "", row["metric"], row["comparison"],
                row["effect"], row["p"], f"**{claim['verdict']}**" if first else ""]) + " |")
    lines += ["", "## Notes", ""]
    for claim in claims:
        text = f"- **{claim['id']}** ({claim['verdict']})."
        if claim["extra"]:
            text += " " + claim["extra"]
        if claim["verdict"] != REPRODUCED and claim["needs"]:
            text += f" To decide it: {claim['needs']}."
        lines.append(text)
    return "\n".join(lines) + "\n"


def write_claims(metrics_csv, comparisons_csv, scaling_json, out_md, run: str,
                 language_name: str, level: float = 0.05, bpc_margin: float = 0.05,
                 scaling_metric: str = "chrf++_en-xx", note: str = "") -> list[dict]:
    from langadapt.paper.aggregate import read_metrics_csv, wide
    from langadapt.paper.comparisons import read_comparisons
    from langadapt.textio import read_json

    table = wide(read_metrics_csv(metrics_csv))
    claims = decide_claims(table, read_comparisons(comparisons_csv), read_json(scaling_json),
                           scaling_metric, bpc_margin)
    Path(out_md).write_text(claims_markdown(claims, run, language_name, level, note),
                            encoding="utf-8")
    return claims
