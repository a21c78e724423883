"""Rule vocab_throughput: generation (and CPT training) characters/s of one checkpoint."""

from langadapt.logs import log_to
from langadapt.throughput import measure_checkpoint

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    measure_checkpoint(
        snakemake.input.model,  # noqa: F821
        snakemake.input.test,  # noqa: F821
        snakemake.params.prompts,  # noqa: F821
        snakemake.params.max_new_tokens,  # noqa: F821
        snakemake.output.speed,  # noqa: F821
        dtype=snakemake.params.dtype,  # noqa: F821
        train_log=snakemake.input.get("train_log"),  # noqa: F821
        mixture=snakemake.input.get("mixture"),  # noqa: F821
        threads=snakemake.threads,  # noqa: F821
    )
