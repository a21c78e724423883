"""Rule instruct_translation: x-LLaMA translation-task instructions (rules/sft.smk)."""

from langadapt.instructions import write_translation
from langadapt.logs import log_to

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    write_translation(
        snakemake.input.train,  # noqa: F821
        snakemake.output.translation,  # noqa: F821
        snakemake.params.examples,  # noqa: F821
        snakemake.params.direction,  # noqa: F821
        snakemake.params.language_name,  # noqa: F821
    )
