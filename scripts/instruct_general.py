"""Rule instruct_general: the general parts of an SFT set, mt or human arm (rules/sft.smk)."""

from langadapt.instructions import write_general
from langadapt.logs import log_to

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    write_general(
        snakemake.input.sections,  # noqa: F821
        snakemake.output.general,  # noqa: F821
        snakemake.wildcards.instr,  # noqa: F821
        list(snakemake.params.parts),  # noqa: F821
        translation_spec=snakemake.params.translation,  # noqa: F821
    )
