"""Compute table from Snakemake benchmark files (rule ``paper_compute``).

``benchmarks/{rule}/{lang}/{cell...}.tsv`` (or ``benchmarks/{rule}.tsv``) -> one row per rule
and cell: wall seconds, CPU seconds and max RSS (MB); Markdown beside the CSV. ``files`` names
the benchmark files of one run's jobs (rules/common.smk ``run_benchmark_files``): files of other
configs under the same ``benchmarks/`` are never read.
"""

from pathlib import Path

import pandas as pd

COLUMNS = ["rule", "cell", "wall_s", "cpu_s", "max_rss_mb"]


def read_benchmarks(root, files=None) -> pd.DataFrame:
    """Rows of the benchmark files under ``root``: all of them, or only ``files`` that exist."""
    rows = []
    root = Path(root)
    paths = sorted(root.rglob("*.tsv")) if files is None else [
        Path(f) for f in files if Path(f).is_file()]
    for path in paths:
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


def write_compute_table(root, csv_path, md_path, files=None) -> pd.DataFrame:
    table = read_benchmarks(root, files)
    table.to_csv(csv_path, index=False)
    lines = ["**Compute per rule and grid cell (Snakemake benchmarks)**", "",
             "| rule | cell | wall s | CPU s | max RSS MB |", "|---|---|---:|---:|---:|"]
    for row in table.itertuples():
        lines.append(f"| {row.rule} | {row.cell} | {row.wall_s:.1f} | {row.cpu_s:.1f} | "
                     f"{row.max_rss_mb:.0f} |")
    if not table.empty:
        totals = table.groupby("rule")["wall_s"].sum()
        lines += ["", f"Job-seconds in total: {table['wall_s'].sum():.0f}.",
                  "", "Total wall seconds per rule: "
                  + ", ".join(f"{rule} {seconds:.0f}" for rule, seconds in totals.items()) + "."]
    Path(md_path).write_text("\n".join(lines) + "\n")
    return table
