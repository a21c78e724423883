"""The comparisons each paper table exists for, with significance (rule ``paper_comparisons``).

An *arm* is a grid cell without its seed (``cpt/ratio=0.8/tokens=8k/synth=50.0``); its seeds
are the checkpoints that differ only in ``seed``. Each table compares arms:

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
``bpc.json`` documents (``bits`` and ``characters`` per document, when the eval writes them)
give bits per character; per-item ``acc`` of the MC task in ``lm_eval.json`` gives MC accuracy;
instruction responses give the target-language answer rate (py3langid). The test is
``langadapt.eval.significance.bootstrap_difference``: sacrebleu's paired bootstrap, pooled over
seeds when an arm has several. A metric without per-item data is compared by Welch's t over
seed values when both arms have two or more seeds, and not at all otherwise. p-values are
Holm-corrected within each table (all its comparisons and metrics).
"""

import math
import re

import numpy as np
import pandas as pd

from langadapt.eval.significance import (
    bootstrap_difference,
    holm,
    ratio_score,
    sacrebleu_score,
    sentence_statistics,
)
from langadapt.textio import read_json, read_jsonl

MARKERS = {
    "b": "against the base model",
    "c": "against the English-only CPT control (mixing ratio 0, same tokens)",
    "s": "real + synthetic against real-only CPT (same ratio and tokens)",
    "i": "with against without continual pre-training",
    "h": "human-translated against machine-translated instructions",
    "d": "en→xx (target-side) against xx→en (source-side) translation-task data",
}
TABLE_MARKERS = {"stages": "b", "mixing_ratio": "bc", "synthetic": "s", "cpt": "i",
                 "instructions": "hd", "corpus": ""}
COLUMNS = ["table", "marker", "comparison", "arm", "reference", "metric", "arm_value",
           "reference_value", "difference", "ci_low", "ci_high", "p", "p_holm", "significant",
           "method", "seeds_arm", "seeds_reference", "items"]
_SEED = re.compile(r"/seed=[0-9]+")


def arm_of(checkpoint: str) -> str:
    """``cpt/ratio=0.8/tokens=8k/synth=1.0/seed=2`` -> ``cpt/ratio=0.8/tokens=8k/synth=1.0``."""
    return _SEED.sub("", checkpoint)


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


def planned_comparisons(wide: pd.DataFrame, stage_arms: list[str] | None = None) -> list[tuple]:
    """(table, marker, arm, reference arm) of every comparison the grid allows."""
    cells = _coordinates(wide)
    plan = []
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


def _aligned(per_seed: list[tuple]) -> tuple[int, list[np.ndarray]] | None:
    """(hash of the shared item ids, statistics of every seed on those items in one order)."""
    common = set(per_seed[0][0])
    for ids, _ in per_seed[1:]:
        common &= set(ids)
    if not common:
        return None
    order = sorted(common)
    return hash(tuple(order)), [stats[[ids.index(i) for i in order]] for ids, stats in per_seed]


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
    return {"difference": difference, "ci95": [difference - half, difference + half],
            "p_value": p, "items": None, "method": "Welch t over seed values"}


def run_comparisons(wide: pd.DataFrame, suites: dict, pairs: list[dict], lang: str,
                    resamples: int = 10000, level: float = 0.05,
                    stage_arms: list[str] | None = None) -> pd.DataFrame:
    """Every planned comparison on every metric both arms have, Holm within each table.

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
    resampled: dict = {}  # resampled scores per (checkpoint, metric), shared by comparisons
    for table, marker, arm, reference in planned_comparisons(wide, stage_arms):
        seeds_a, seeds_b = groups[arm], groups[reference]
        metrics = sorted(set().union(*(items(c).keys() for c in seeds_a + seeds_b))
                         | {m for m in values.columns if m in _COMPARABLE or m.startswith("bpc_")})
        for metric in metrics:
            per_a = [items(c).get(metric) for c in seeds_a]
            per_b = [items(c).get(metric) for c in seeds_b]
            result = None
            if all(per_a) and all(per_b):
                found = _aligned(per_a + per_b)
                if found:
                    items_hash, aligned = found
                    keys = ([(c, metric, items_hash) for c in seeds_a],
                            [(c, metric, items_hash) for c in seeds_b])
                    result = bootstrap_difference(aligned[:len(per_a)], aligned[len(per_a):],
                                                  _metric_scorer(metric), resamples,
                                                  keys=keys, cache=resampled)
            if result is None and metric in values.columns:
                a = values.loc[seeds_a, metric].dropna()
                b = values.loc[seeds_b, metric].dropna()
                if len(a) >= 2 and len(b) >= 2:
                    result = _welch(a, b)
            if result is None:
                continue
            arm_value = values.loc[seeds_a, metric].mean() if metric in values else math.nan
            ref_value = values.loc[seeds_b, metric].mean() if metric in values else math.nan
            rows.append({
                "table": table, "marker": marker, "comparison": MARKERS[marker], "arm": arm,
                "reference": reference, "metric": metric, "arm_value": arm_value,
                "reference_value": ref_value, "difference": result["difference"],
                "ci_low": result["ci95"][0], "ci_high": result["ci95"][1],
                "p": result["p_value"], "method": result["method"],
                "seeds_arm": len(seeds_a), "seeds_reference": len(seeds_b),
                "items": result.get("items")})
    frame = pd.DataFrame(rows, columns=[c for c in COLUMNS if c not in ("p_holm", "significant")])
    frame["p_holm"] = np.nan
    for _, index in frame.groupby("table").groups.items():
        frame.loc[index, "p_holm"] = holm(frame.loc[index, "p"].tolist())
    frame["significant"] = frame["p_holm"] < level
    return frame[COLUMNS]


# Metrics compared by Welch's t over seeds when no per-item data exist.
_COMPARABLE = {"bpc_target", "bpc_english", "chrf++_en-xx", "chrf++_xx-en", "bleu_en-xx",
               "bleu_xx-en", "mc_acc", "if_target_language_share", "if_chrf"}


def write_comparisons(metrics_csv, suites: dict, pairs_path, out_csv, lang: str,
                      resamples: int = 10000, level: float = 0.05) -> pd.DataFrame:
    from langadapt.paper.aggregate import read_metrics_csv, wide
    from langadapt.paper.tables import main_path

    table = wide(read_metrics_csv(metrics_csv))
    stage_arms = [arm_of(name) for name in main_path(table)["checkpoint"]]
    frame = run_comparisons(table, suites, list(read_jsonl(pairs_path)), lang, resamples, level,
                            stage_arms)
    frame.to_csv(out_csv, index=False)
    return frame


def read_comparisons(path) -> pd.DataFrame:
    return pd.read_csv(path)
