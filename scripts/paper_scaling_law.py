"""Rule paper_scaling_law: fit Y = 100 - a * b**log10(g*X) to score vs translation data size."""

from langadapt.logs import log_to
from langadapt.paper.aggregate import read_metrics_csv, wide
from langadapt.paper.scaling_law import fit_from_metrics
from langadapt.textio import write_json

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    table = wide(read_metrics_csv(snakemake.input.metrics))  # noqa: F821
    write_json(snakemake.output.fit, fit_from_metrics(table, snakemake.params.metrics))  # noqa: F821
