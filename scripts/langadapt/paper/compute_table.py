"""Compute table from Snakemake benchmark files (rule ``paper_compute``).

``benchmarks/{rule}/{lang}/{cell...}.tsv`` (or ``benchmarks/{rule}.tsv``) -> one row per rule
and cell: wall seconds, CPU seconds and max RSS (MB); Markdown beside the CSV.
"""

from pathlib import Path

import pandas as pd

COLUMNS = ["rule", "cell", "wall_s", "cpu_s", "max_rss_mb"]


def read_benchmarks(root) -> pd.DataFrame:
    rows = []
    root = Path(root)
    for path in sorted(root.rglob("*.tsv")):
        parts = path.relative_to(root).with_suffix("").parts
        rule, cell = parts[0], "/".join(parts[1:])
        if rule == "paper":  # the paper rules run beside paper_compute: order-dependent
            continue
        frame = pd.read_csv(path, sep="\t")
        if frame.empty:
            continue
        last = frame.iloc[-1]  # repeated benchmarks: the last run
        rss = pd.to_numeric(pd.Series([last.get("max_rss")]), errors="coerce").iloc[0]
        rows.append({"rule": rule, "cell": cell or "–", "wall_s": float(last["s"]),
                     "cpu_s": float(pd.to_numeric(pd.Series([last.get("cpu_time")]),
                                                  errors="coerce").iloc[0]),
                     "max_rss_mb": float(rss)})
    return pd.DataFrame(rows, columns=COLUMNS)


def write_compute_table(root, csv_path, md_path) -> pd.DataFrame:
    table = read_benchmarks(root)
    table.to_csv(csv_path, index=False)
    lines = ["**Compute per rule and grid cell (Snakemake benchmarks)**", "",
             "| rule | cell | wall s | CPU s | max RSS MB |", "|---|---|---:|---:|---:|"]
    for row in table.itertuples():
        lines.append(f"| {row.rule} | {row.cell} | {row.wall_s:.1f} | {row.cpu_s:.1f} | "
                     f"{row.max_rss_mb:.0f} |")
    if not table.empty:
        totals = table.groupby("rule")["wall_s"].sum()
        lines += ["", "Total wall seconds per rule: "
                  + ", ".join(f"{rule} {seconds:.0f}" for rule, seconds in totals.items()) + "."]
    Path(md_path).write_text("\n".join(lines) + "\n")
    return table
