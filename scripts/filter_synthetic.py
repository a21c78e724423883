"""Rule filter_synthetic: mt.jsonl -> mt.filtered.jsonl + mt.filter_report.json."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

from langadapt.synthetic import filter_synthetic  # noqa: E402

filter_synthetic(
    snakemake.input.jsonl,  # noqa: F821
    snakemake.output.jsonl,  # noqa: F821
    snakemake.output.report,  # noqa: F821
    snakemake.params.filters,  # noqa: F821
    model_dir=snakemake.input.model,  # noqa: F821
    threads=snakemake.threads,  # noqa: F821
)
