"""The comparisons each paper table exists for, with significance (rule ``paper_comparisons``).

Arms are grid cells without their seed (``langadapt.paper.names``). Each table compares arms:

======  =====================  ==========================================================
marker  table                  comparison
======  =====================  ==========================================================
b       stages, mixing_ratio   the arm against the base model
c       mixing_ratio           a CPT arm against the English-only control (ratio 0, same tokens)
s       synthetic              real + synthetic CPT against real-only (synth 0, same ratio/tokens)
i       cpt                    SFT/DPO from the CPT model against from the base model
h       instructions           human-translated against machine-translated instructions
d       instructions           en→xx translation-task data against xx→en (same init, instr,
                               xlate; x-LLaMA claim C5)
======  =====================  ==========================================================

Per-item statistics come from the run's suite JSONs (``langadapt.eval``): translation
hypotheses (with the references of ``translation.jsonl``) give sacrebleu sentence statistics;
``bpc.json`` documents (``bits`` and ``characters`` per document) give bits per character;
per-item ``acc`` of the MC task in ``lm_eval.json`` gives MC accuracy; instruction responses
give the target-language answer rate (py3langid).

Two levels (``langadapt.eval.significance``): when both arms have ``MIN_RECIPE_SEEDS`` seeds or
more (or the reference is the base model, a fixed checkpoint), a *recipe* comparison (two-level
test over seeds, then items; a metric without per-item data by Welch's t over seed values);
otherwise a *checkpoint* comparison (paired approximate
randomisation over items), which never decides a claim. Every row here is exploratory:
p-values are Holm-corrected within each table (all its comparisons and tested metrics, never
interval ends); the claims' primary endpoints get their own correction (``paper.claims``).
"""

import math

import numpy as np
import pandas as pd

from langadapt.eval.significance import (
    MIN_RECIPE_SEEDS,
    checkpoint_test,
    holm,
    ratio_score,
    recipe_test,
    sacrebleu_score,
    sentence_statistics,
)
from langadapt.paper.names import MARKERS, TESTED_METRICS, arm_of
from langadapt.paper.tables import main_path
from langadapt.textio import read_json, read_jsonl

COLUMNS = ["table", "marker", "comparison", "arm", "reference", "metric", "arm_value",
           "reference_value", "difference", "ci_low", "ci_high", "p", "p_holm", "significant",
           "level", "method", "seeds_arm", "seeds_reference", "items", "se", "df", "seed_sd",
           "noise_sd", "item_sd"]


def _metric_scorer(metric: str):
    from sacrebleu.metrics import BLEU, CHRF

    if metric.startswith("chrf++_"):
        return sacrebleu_score(CHRF(word_order=2))
    if metric.startswith("bleu_"):
        return sacrebleu_score(BLEU())
    return ratio_score


def _correct_items(result: dict) -> list | None:
    """Per-item ``{id, correct}`` of the multiple-choice task (``items.{task}`` with ``acc``)."""
    items = (result.get("items") or {}).get(result.get("multiple_choice_task"))
    if not items:
        return None
    return [{"id": item["id"], "correct": item["acc"]} for item in items]


def item_statistics(suites: dict, pairs: list[dict], lang: str) -> dict:
    """{metric: (item ids, [items, k] statistics)} of one checkpoint from its suite JSONs."""
    out: dict = {}
    translation = read_json(suites["translation"]) if suites.get("translation") else {}
    from sacrebleu.metrics import BLEU, CHRF

    for direction, entry in translation.get("directions", {}).items():
        by_id = {h["id"]: h["hypothesis"] for h in entry.get("hypotheses", [])}
        chosen = [p for p in pairs if p["id"] in by_id]
        if not chosen:
            continue
        ids = [p["id"] for p in chosen]
        references = [p["target"] if direction == "en-xx" else p["en"] for p in chosen]
        hypotheses = [by_id[i] for i in ids]
        for name, metric in (("chrf++", CHRF(word_order=2)), ("bleu", BLEU())):
            out[f"{name}_{direction}"] = (ids, sentence_statistics(metric, hypotheses, references))
    bpc = read_json(suites["bpc"]) if suites.get("bpc") else {}
    for name, entry in (bpc.get("bpc") or {}).items():
        documents = entry.get("documents")
        if not documents:
            continue
        stats = [[doc["bits"], doc["characters"]] for doc in documents]
        ids = [str(doc["id"]) for doc in documents]
        out[f"bpc_{name}"] = (ids, np.asarray(stats, dtype=float))
    lm_eval = read_json(suites["lm_eval"]) if suites.get("lm_eval") else {}
    items = _correct_items(lm_eval)
    if items:
        ids = [str(item.get("id", index)) for index, item in enumerate(items)]
        out["mc_acc"] = (ids, np.asarray([[float(item["correct"]), 1.0] for item in items]))
    instructions = read_json(suites["instructions"]) if suites.get("instructions") else {}
    responses = instructions.get("responses") or []
    if responses:
        import py3langid

        flags = [[float(bool(r["response"].strip())
                        and py3langid.classify(r["response"])[0] == lang), 1.0]
                 for r in responses]
        out["if_target_language_share"] = ([str(r["id"]) for r in responses], np.asarray(flags))
    return out


def arms(wide: pd.DataFrame) -> dict[str, list[str]]:
    """{arm: [checkpoints]} of the evaluated checkpoints."""
    grouped: dict[str, list[str]] = {}
    for name in wide["checkpoint"]:
        grouped.setdefault(arm_of(name), []).append(name)
    return grouped


def _coordinates(wide: pd.DataFrame) -> pd.DataFrame:
    table = wide.assign(arm=wide["checkpoint"].map(arm_of))
    return table.drop_duplicates("arm").set_index("arm")


def planned_comparisons(wide: pd.DataFrame, stage_arms: list[str] | None = None,
                        tuning_vs_cpt: dict | None = None) -> list[tuple]:
    """(table, marker, arm, reference arm) of every comparison the grid allows, and the SFT arm
    against the CPT arm of ``tuning_vs_cpt`` (config ``paper.tuning_vs_cpt``) when both ran."""
    cells = _coordinates(wide)
    plan = []
    if tuning_vs_cpt and {tuning_vs_cpt["sft"], tuning_vs_cpt["cpt"]} <= set(cells.index):
        plan.append(("tuning_vs_cpt", "t", tuning_vs_cpt["sft"], tuning_vs_cpt["cpt"]))
    base = [a for a in cells.index if cells.loc[a, "stage"] == "base"]
    cpt = cells[cells["stage"] == "cpt"]
    for arm in stage_arms or []:
        if base and arm not in base:
            plan.append(("stages", "b", arm, base[0]))
    for arm, row in cpt.iterrows():
        if float(row["ratio"]) > 0:
            if base:
                plan.append(("mixing_ratio", "b", arm, base[0]))
            controls = cpt[(cpt["ratio"].astype(float) == 0) & (cpt["tokens"] == row["tokens"])]
            if not controls.empty:
                plan.append(("mixing_ratio", "c", arm, controls.index[0]))
        if float(row["synth"]) > 0 and float(row["ratio"]) > 0:
            real = cpt[(cpt["synth"].astype(float) == 0) & (cpt["tokens"] == row["tokens"])
                       & (cpt["ratio"].astype(float) == float(row["ratio"]))]
            if not real.empty:
                plan.append(("synthetic", "s", arm, real.index[0]))
    tuned = cells[cells["stage"].isin(["sft", "dpo"])]
    direction = tuned["dir"].fillna("") if "dir" in tuned else pd.Series("", tuned.index)
    for arm, row in tuned.iterrows():
        same_xlate = tuned[(tuned["stage"] == row["stage"]) & (tuned["xlate"] == row["xlate"])]
        same = same_xlate[direction[same_xlate.index] == direction[arm]]
        if row["init"] == "cpt":
            other = same[(same["init"] == "base") & (same["instr"] == row["instr"])]
            if not other.empty:
                plan.append(("cpt", "i", arm, other.index[0]))
        if row["instr"] == "human":
            other = same[(same["instr"] == "mt") & (same["init"] == row["init"])]
            if not other.empty:
                plan.append(("instructions", "h", arm, other.index[0]))
        if direction[arm] == "en-xx":
            other = same_xlate[(direction[same_xlate.index] == "xx-en")
                               & (same_xlate["init"] == row["init"])
                               & (same_xlate["instr"] == row["instr"])]
            if not other.empty:
                plan.append(("instructions", "d", arm, other.index[0]))
    return plan


def _aligned(per_seed: list[tuple]) -> list[np.ndarray] | None:
    """Statistics of every seed on the item ids all seeds share, in one order."""
    common = set(per_seed[0][0])
    for ids, _ in per_seed[1:]:
        common &= set(ids)
    if not common:
        return None
    order = sorted(common)
    return [stats[[ids.index(i) for i in order]] for ids, stats in per_seed]


def _welch(values_a, values_b) -> dict | None:
    from scipy import stats

    a, b = np.asarray(values_a, float), np.asarray(values_b, float)
    difference = float(a.mean() - b.mean())
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = math.sqrt(va + vb)
    if se == 0:  # no seed variance: nothing to test against
        return None
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    half = float(stats.t.ppf(0.975, df)) * se
    p = float(2 * stats.t.sf(abs(difference) / se, df))
    pooled = ((len(a) - 1) * a.var(ddof=1) + (len(b) - 1) * b.var(ddof=1)) / (len(a) + len(b) - 2)
    return {"difference": difference, "ci95": [difference - half, difference + half],
            "p_value": p, "items": None, "se": se, "df": df, "seed_sd": math.sqrt(pooled),
            "level": "recipe", "method": "Welch t over seed values (no per-item data)"}


def compare(per_a: list, per_b: list, metric: str, values_a, values_b, resamples: int,
            fixed_reference: bool = False) -> dict | None:
    """One comparison of two arms on ``metric``: per-item data when every seed has them, else
    seed values; recipe level when both arms have ``MIN_RECIPE_SEEDS`` seeds (or the reference
    is a fixed model, the base), else checkpoint level."""
    recipe = len(per_a) >= MIN_RECIPE_SEEDS and (len(per_b) >= MIN_RECIPE_SEEDS
                                                 or (fixed_reference and len(per_b) == 1))
    if all(per_a) and all(per_b):
        aligned = _aligned(per_a + per_b)
        if aligned:
            test = recipe_test if recipe else checkpoint_test
            return test(aligned[:len(per_a)], aligned[len(per_a):], _metric_scorer(metric),
                        resamples)
    if (recipe and not fixed_reference and len(values_a) >= MIN_RECIPE_SEEDS
            and len(values_b) >= MIN_RECIPE_SEEDS):
        return _welch(values_a, values_b)
    return None


def run_comparisons(wide: pd.DataFrame, suites: dict, pairs: list[dict], lang: str,
                    resamples: int = 10000, level: float = 0.05,
                    stage_arms: list[str] | None = None,
                    tuning_vs_cpt: dict | None = None) -> pd.DataFrame:
    """Every planned comparison on every tested metric both arms have, Holm within each table.

    ``suites``: {checkpoint: {suite: json path}}; ``wide``: one row per checkpoint (metrics).
    """
    groups = arms(wide)
    values = wide.set_index("checkpoint")
    cache: dict[str, dict] = {}

    def items(checkpoint):
        if checkpoint not in cache:
            cache[checkpoint] = item_statistics(suites.get(checkpoint, {}), pairs, lang)
        return cache[checkpoint]

    rows = []
    for table, marker, arm, reference in planned_comparisons(wide, stage_arms, tuning_vs_cpt):
        seeds_a, seeds_b = groups[arm], groups[reference]
        metrics = sorted(set().union(*(items(c).keys() for c in seeds_a + seeds_b))
                         | {m for m in values.columns if m in TESTED_METRICS})
        for metric in metrics:
            in_values = metric in values.columns
            result = compare(
                [items(c).get(metric) for c in seeds_a], [items(c).get(metric) for c in seeds_b],
                metric, values.loc[seeds_a, metric].dropna() if in_values else [],
                values.loc[seeds_b, metric].dropna() if in_values else [], resamples,
                fixed_reference=values.loc[seeds_b[0], "stage"] == "base")
            if result is None:
                continue
            rows.append({
                "table": table, "marker": marker, "comparison": MARKERS[marker], "arm": arm,
                "reference": reference, "metric": metric,
                "arm_value": values.loc[seeds_a, metric].mean() if in_values else math.nan,
                "reference_value": values.loc[seeds_b, metric].mean() if in_values else math.nan,
                "difference": result["difference"], "ci_low": result["ci95"][0],
                "ci_high": result["ci95"][1], "p": result["p_value"], "level": result["level"],
                "method": result["method"], "seeds_arm": len(seeds_a),
                "seeds_reference": len(seeds_b), "items": result.get("items"),
                **{key: result.get(key, math.nan)
                   for key in ("se", "df", "seed_sd", "noise_sd", "item_sd")}})
    frame = pd.DataFrame(rows, columns=[c for c in COLUMNS if c not in ("p_holm", "significant")])
    frame["p_holm"] = np.nan
    for _, index in frame.groupby("table").groups.items():
        frame.loc[index, "p_holm"] = holm(frame.loc[index, "p"].tolist())
    frame["significant"] = frame["p_holm"] < level
    return frame[COLUMNS]


def write_comparisons(metrics_csv, suites: dict, pairs_path, out_csv, lang: str,
                      resamples: int = 10000, level: float = 0.05,
                      tuning_vs_cpt: dict | None = None) -> pd.DataFrame:
    from langadapt.paper.aggregate import read_metrics_csv, wide

    table = wide(read_metrics_csv(metrics_csv))
    stage_arms = [arm_of(name) for name in main_path(table)["checkpoint"]]
    frame = run_comparisons(table, suites, list(read_jsonl(pairs_path)), lang, resamples, level,
                            stage_arms, tuning_vs_cpt)
    frame.to_csv(out_csv, index=False)
    return frame


def read_comparisons(path) -> pd.DataFrame:
    return pd.read_csv(path)
