"""Rule paper_compute: wall time and memory per rule and cell from Snakemake benchmarks."""

from langadapt.logs import log_to
from langadapt.paper.compute_table import write_compute_table

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    write_compute_table(snakemake.params.benchmarks, snakemake.output.csv,  # noqa: F821
                        snakemake.output.md, files=snakemake.params.files)  # noqa: F821
