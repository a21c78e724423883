"""The cross-language table of a run with several languages (rule ``paper_languages``).

One row block per language: a row per evaluated checkpoint (base, every CPT/SFT/DPO cell and
seed, reference models) with the main metrics, then the row ``baseline``: each metric's best
trivial baseline for that language (``langadapt.paper.baselines``), as in the single-language
tables; ‡ marks a value that does not beat it. The CSV keeps the numbers, with each metric's
floor and its baseline's name beside it on every row of the language.
"""

from pathlib import Path

import pandas as pd

from langadapt.paper.aggregate import BASELINE_STAGE, read_metrics_csv, wide
from langadapt.paper.baselines import baseline_floor, beats_floor
from langadapt.paper.tables import BASELINE_NOTE, BELOW_FLOOR, METRICS, _format

# The main metrics of the cross-language table (labels and formats from the stage tables).
LANGUAGE_METRICS = ["bpc_target", "chrf++_en-xx", "chrf++_xx-en", "mc_acc",
                    "if_target_language_share"]
CAPTION = ("Every language of the run: main metrics of each checkpoint (xx: the row's language), "
           "and each metric's best trivial baseline")


def language_rows(code: str, name: str, metrics: pd.DataFrame) -> pd.DataFrame:
    """Numbers of one language: a row per checkpoint (stage baseline left out), each metric
    followed by ``<metric> floor`` and ``<metric> floor baseline`` (its baseline's name)."""
    table = wide(metrics)
    rows = table[table["stage"] != BASELINE_STAGE]
    out = pd.DataFrame({"lang": code, "language": name, "checkpoint": rows["checkpoint"],
                        "stage": rows["stage"]})
    for metric in LANGUAGE_METRICS:
        floor = baseline_floor(table, metric)
        out[metric] = rows[metric] if metric in rows else float("nan")
        out[f"{metric} floor"] = floor[1] if floor else float("nan")
        out[f"{metric} floor baseline"] = floor[0] if floor else None
    return out.reset_index(drop=True)


def cross_language_frame(metrics_files: dict, names: dict) -> pd.DataFrame:
    """The CSV frame: ``metrics_files`` {code: metrics.csv}, ``names`` {code: language name}."""
    return pd.concat([language_rows(code, names.get(code, code), read_metrics_csv(path))
                      for code, path in metrics_files.items()], ignore_index=True)


def _cell(row, metric: str, fmt: str) -> str:
    value = row[metric]
    text = _format(value, fmt)
    floor = row[f"{metric} floor baseline"], row[f"{metric} floor"]
    if pd.notna(floor[0]) and beats_floor(value, floor, metric) is False:
        text += " " + BELOW_FLOOR
    return text


def to_markdown(frame: pd.DataFrame) -> str:
    """The Markdown table: checkpoint rows, then each language's baseline row."""
    formats = {metric: (label, fmt) for metric, label, _, fmt in METRICS}
    headers = ["language", "checkpoint"] + [formats[m][0] for m in LANGUAGE_METRICS]
    lines = [f"**{CAPTION}**", "", "| " + " | ".join(headers) + " |",
             "|---|---|" + "---:|" * len(LANGUAGE_METRICS)]
    for code, rows in frame.groupby("lang", sort=False):
        label = f"{rows['language'].iloc[0]} ({code})"
        for _, row in rows.iterrows():
            cells = [_cell(row, m, formats[m][1]) for m in LANGUAGE_METRICS]
            lines.append("| " + " | ".join([label, row["checkpoint"], *cells]) + " |")
        first = rows.iloc[0]
        floors = [f"{_format(first[f'{m} floor'], formats[m][1])} ({first[f'{m} floor baseline']})"
                  if pd.notna(first[f"{m} floor baseline"]) else "–" for m in LANGUAGE_METRICS]
        lines.append("| " + " | ".join([label, "baseline", *floors]) + " |")
    return "\n".join(lines) + "\n\n" + BASELINE_NOTE + "\n"


def write_cross_language_table(metrics_files: dict, names: dict, md_path, csv_path) -> pd.DataFrame:
    """Write ``languages.md`` and ``languages.csv``; returns the CSV frame."""
    frame = cross_language_frame(metrics_files, names)
    Path(md_path).parent.mkdir(parents=True, exist_ok=True)
    Path(md_path).write_text(to_markdown(frame), encoding="utf-8")
    frame.to_csv(csv_path, index=False)
    return frame
