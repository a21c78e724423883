"""Rule eval_checkpoint: every evaluation suite on one checkpoint, then metrics.json."""

from langadapt.eval.suites import evaluate_checkpoint
from langadapt.logs import log_to

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    evaluate_checkpoint(
        snakemake.input.model,  # noqa: F821
        snakemake.wildcards.checkpoint,  # noqa: F821
        snakemake.wildcards.lang,  # noqa: F821
        dict(snakemake.input.items()),  # noqa: F821
        dict(snakemake.output.items()),  # noqa: F821
        dict(snakemake.params.items()),  # noqa: F821
        threads=snakemake.threads,  # noqa: F821
    )
