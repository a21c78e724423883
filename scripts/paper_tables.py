"""Rule paper_tables: stage-by-stage and ablation tables (LaTeX, Markdown, CSV)."""

from pathlib import Path

from langadapt.logs import log_to
from langadapt.paper.aggregate import read_metrics_csv
from langadapt.paper.comparisons import read_comparisons
from langadapt.paper.tables import write_tables

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    write_tables(
        read_metrics_csv(snakemake.input.metrics),  # noqa: F821
        Path(snakemake.output.md[0]).parent,  # noqa: F821
        snakemake.params.lang,  # noqa: F821
        snakemake.params.language_name,  # noqa: F821
        read_comparisons(snakemake.input.comparisons),  # noqa: F821
        snakemake.params.level,  # noqa: F821
        snakemake.params.disclosure,  # noqa: F821
        snakemake.params.tuning_vs_cpt,  # noqa: F821
    )
