"""Rule eval_instructions: responses to held-out instructions, language share, chrF, sheet."""

from langadapt.eval.suites import run_instructions
from langadapt.logs import log_to

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    run_instructions(
        snakemake.input.model,  # noqa: F821
        snakemake.wildcards.checkpoint,  # noqa: F821
        snakemake.input.instructions,  # noqa: F821
        snakemake.output.result,  # noqa: F821
        snakemake.output.sheet,  # noqa: F821
        snakemake.wildcards.lang,  # noqa: F821
        max_new_tokens=snakemake.params.max_new_tokens,  # noqa: F821
        batch_size=snakemake.params.batch_size,  # noqa: F821
        threads=snakemake.threads,  # noqa: F821
    )
