"""Rule filter_synthetic: mt.jsonl -> mt.filtered.jsonl + mt.filter_report.json."""

from langadapt.logs import log_to
from langadapt.synthetic import filter_synthetic

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    filter_synthetic(
        list(snakemake.input.jsonl),  # noqa: F821 (mt.jsonl, or its translated shards)
        snakemake.output.jsonl,  # noqa: F821
        snakemake.output.report,  # noqa: F821
        snakemake.params.filters,  # noqa: F821
        model_dir=snakemake.input.model,  # noqa: F821
        threads=snakemake.threads,  # noqa: F821
    )
