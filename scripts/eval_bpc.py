"""Rule eval_bpc: bits per character on held-out target and English text."""

from langadapt.eval.suites import run_bpc
from langadapt.logs import log_to

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    run_bpc(
        snakemake.input.model,  # noqa: F821
        snakemake.wildcards.checkpoint,  # noqa: F821
        snakemake.input.text,  # noqa: F821
        snakemake.output.result,  # noqa: F821
        window=snakemake.params.window,  # noqa: F821
        batch_size=snakemake.params.batch_size,  # noqa: F821
        threads=snakemake.threads,  # noqa: F821
    )
