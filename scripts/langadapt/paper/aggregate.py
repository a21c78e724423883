"""Tidy table of every number (rule ``paper_metrics``): one row per checkpoint x metric.

Every grid coordinate is a column (``stage, vocab, ratio, tokens, synth, seed, init, instr,
xlate, dir, parts, corpus, prefs``); SFT and DPO cells that start from CPT inherit the CPT cell's
``corpus``, ``vocab``, ``ratio``, ``tokens`` and ``synth``, a cell whose path has no ``dir=`` part
gets the run's ``sft.translation_direction``, one without ``parts=`` the part set ``all``, a
CPT cell without ``corpus=`` the corpus set ``all``, and a DPO cell without ``prefs=`` the
preference set ``all``.
Trained checkpoints also get ``tokens_trained`` (the last ``tokens_seen`` of train_log.csv).
``source`` names the per-checkpoint JSON (or filled manual sheet) each number comes from.
The trivial baselines (rule ``eval_baselines``) are checkpoints ``baseline/<name>`` of stage
``baseline`` with no grid coordinates.
"""

import pandas as pd

from langadapt.eval.instruction_following import read_manual_sheet
from langadapt.textio import read_json

GRID_COLUMNS = ["stage", "vocab", "ratio", "tokens", "synth", "seed", "init", "instr", "xlate",
                "dir", "parts", "corpus", "prefs"]
COLUMNS = ["lang", "checkpoint", *GRID_COLUMNS, "metric", "value", "source"]
NUMERIC = ["vocab", "ratio", "synth", "seed", "xlate"]
BASELINE_STAGE = "baseline"


def checkpoint_coordinates(name: str, cpt_cell: dict | None = None,
                           direction: str | None = None) -> dict:
    """``sft/init=cpt/instr=mt/xlate=128/seed=1`` -> {stage: sft, init: cpt, ...}."""
    stage, _, cell = name.partition("/")
    coordinates = {column: None for column in GRID_COLUMNS}
    coordinates["stage"] = stage
    if stage in (BASELINE_STAGE, "reference"):  # baselines and outside models: no grid cell
        return coordinates
    for part in filter(None, cell.split("/")):
        key, _, value = part.partition("=")
        coordinates[key] = value
    if stage in ("sft", "joint", "dpo") and coordinates["dir"] is None:
        coordinates["dir"] = direction  # the path leaves the run's default direction out
    if stage in ("sft", "joint", "dpo") and coordinates["parts"] is None:
        coordinates["parts"] = "all"  # the path leaves the part set of every sft.parts out
    if stage == "dpo" and coordinates["prefs"] is None:
        coordinates["prefs"] = "all"  # the path leaves the set of every dpo.parts out
    if stage == "cpt" and coordinates["vocab"] is None:
        coordinates["vocab"] = "0"  # the path leaves the base tokenizer (vocab=0) out
    if stage == "cpt" and coordinates["corpus"] is None:
        coordinates["corpus"] = "all"  # the path leaves the corpus set of every source out
    if stage in ("sft", "dpo") and coordinates["init"] == "cpt" and cpt_cell:
        for key in ("corpus", "vocab", "ratio", "tokens", "synth"):
            coordinates[key] = cpt_cell.get(key)
    return coordinates


def tokens_trained(train_log) -> int | None:
    """The last ``tokens_seen`` of a trainer's train_log.csv (None when it has no step)."""
    seen = pd.read_csv(train_log, usecols=["tokens_seen"])["tokens_seen"].dropna()
    return int(seen.iloc[-1]) if len(seen) else None


def collect_metrics(metrics_paths: list, manual_sheets: dict | None = None,
                    cpt_cell: dict | None = None, mixtures: dict | None = None,
                    direction: str | None = None,
                    train_logs: dict | None = None) -> pd.DataFrame:
    """The tidy frame from ``metrics.json`` files, filled manual sheets {checkpoint: csv}, the
    mixtures of CPT cells {cpt cell path: mix.json} (``synthetic_target_share``) and the
    train logs of trained checkpoints {checkpoint: train_log.csv} (``tokens_trained``);
    ``direction``: ``sft.translation_direction`` (SFT/DPO cells without a ``dir=`` part)."""
    rows = []
    for path in metrics_paths:
        result = read_json(path)
        coordinates = checkpoint_coordinates(result["checkpoint"], cpt_cell, direction)
        for metric, value in sorted(result["metrics"].items()):
            rows.append({"lang": result["lang"], "checkpoint": result["checkpoint"],
                         **coordinates, "metric": metric, "value": value, "source": str(path)})
    lang = rows[0]["lang"] if rows else None
    for checkpoint, sheet in (manual_sheets or {}).items():
        coordinates = checkpoint_coordinates(checkpoint, cpt_cell, direction)
        for metric, value in read_manual_sheet(sheet).items():
            rows.append({"lang": lang, "checkpoint": checkpoint, **coordinates,
                         "metric": metric, "value": value, "source": str(sheet)})
    for row in [r for r in rows if r["checkpoint"].startswith("cpt/")]:
        mix = (mixtures or {}).get(row["checkpoint"].partition("/")[2])
        if mix and not any(r["checkpoint"] == row["checkpoint"]
                           and r["metric"] == "synthetic_target_share" for r in rows):
            share = read_json(mix).get("synthetic_target_share")
            if share is not None:
                rows.append({**row, "metric": "synthetic_target_share", "value": share,
                             "source": str(mix)})
    for checkpoint, log in (train_logs or {}).items():
        tokens = tokens_trained(log)
        if tokens is not None:
            rows.append({"lang": lang, "checkpoint": checkpoint,
                         **checkpoint_coordinates(checkpoint, cpt_cell, direction),
                         "metric": "tokens_trained", "value": tokens, "source": str(log)})
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for column in NUMERIC:
        frame[column] = pd.to_numeric(frame[column])
    frame["value"] = frame["value"].astype(float)
    return frame


def write_metrics_csv(metrics_paths, out_path, manual_sheets=None, cpt_cell=None,
                      mixtures=None, direction=None, train_logs=None) -> pd.DataFrame:
    frame = collect_metrics(metrics_paths, manual_sheets, cpt_cell, mixtures, direction,
                            train_logs)
    frame.to_csv(out_path, index=False)
    return frame


def read_metrics_csv(path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype={"tokens": str, "init": str, "instr": str, "stage": str,
                                     "dir": str, "parts": str, "corpus": str,
                                     "prefs": str})
    if "dir" not in frame:  # written before the translation-direction axis existed
        frame.insert(frame.columns.get_loc("xlate") + 1, "dir", None)
    if "parts" not in frame:  # written before the part-set axis existed: every part
        tuned = frame["stage"].isin(["sft", "dpo"])
        frame.insert(frame.columns.get_loc("dir") + 1, "parts", None)
        frame.loc[tuned, "parts"] = "all"
    if "corpus" not in frame:  # written before the corpus-set axis existed: every source
        frame.insert(frame.columns.get_loc("parts") + 1, "corpus", None)
        frame.loc[frame["stage"] == "cpt", "corpus"] = "all"
    if "prefs" not in frame:  # written before the preference-set axis existed: every part
        frame.insert(frame.columns.get_loc("corpus") + 1, "prefs", None)
        frame.loc[frame["stage"] == "dpo", "prefs"] = "all"
    return frame


def wide(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per checkpoint, grid columns then one column per metric."""
    if frame.empty:
        return pd.DataFrame(columns=["checkpoint", *GRID_COLUMNS])
    index = ["checkpoint", *GRID_COLUMNS]
    keyed = frame.assign(**{c: frame[c].astype(object).where(frame[c].notna(), "") for c in index})
    metrics = sorted(set(frame["metric"]))
    # observed index combinations only (dropna=False would build their full product: seconds
    # to minutes on a grid run); metrics without a value anywhere keep their column
    table = keyed.pivot_table(index=index, columns="metric", values="value",
                              aggfunc="first").reindex(columns=metrics).reset_index()
    table.columns.name = None
    for column in GRID_COLUMNS:
        table[column] = table[column].replace("", None)
        if column in NUMERIC:
            table[column] = pd.to_numeric(table[column])
    order = {"base": 0, "cpt": 1, "sft": 2, "joint": 2.5, "dpo": 3, "reference": 4,
             BASELINE_STAGE: 5}
    table = table.assign(_order=table["stage"].map(order)).sort_values(
        ["_order", "checkpoint"]).drop(columns="_order")
    return table.dropna(axis=0, how="all", subset=metrics).reset_index(drop=True)
