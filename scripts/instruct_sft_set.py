"""Rule instruct_sft_set: the training set of one SFT cell (rules/sft.smk)."""

from langadapt.instructions import write_sft_set
from langadapt.logs import log_to

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    write_sft_set(
        snakemake.input.general,  # noqa: F821
        snakemake.input.translation,  # noqa: F821
        snakemake.output.instructions,  # noqa: F821
        int(snakemake.wildcards.xlate),  # noqa: F821
        int(snakemake.wildcards.seed),  # noqa: F821
        parts=list(snakemake.params.parts),  # noqa: F821
    )
