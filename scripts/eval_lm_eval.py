"""Rule eval_lm_eval: multiple-choice tasks through lm-evaluation-harness (offline)."""

from pathlib import Path

from langadapt.eval.suites import run_lm_eval
from langadapt.logs import log_to

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    run_lm_eval(
        snakemake.input.model,  # noqa: F821
        snakemake.wildcards.checkpoint,  # noqa: F821
        Path(snakemake.input.task).parent,  # noqa: F821
        snakemake.params.task,  # noqa: F821
        snakemake.output.result,  # noqa: F821
        extra_tasks=snakemake.params.extra_tasks,  # noqa: F821
        batch_size=snakemake.params.batch_size,  # noqa: F821
        threads=snakemake.threads,  # noqa: F821
    )
