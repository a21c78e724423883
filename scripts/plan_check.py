"""Rule plan_check: requested sizes against what the parallel sources hold (rules/data.smk)."""

from langadapt.feasibility import check_plan
from langadapt.logs import log_to

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    check_plan(snakemake.config, dict(snakemake.input.items()), snakemake.output[0])  # noqa: F821
