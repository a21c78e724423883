"""Rule instruct_sections: help-corpus sections, machine-translated (rules/sft.smk)."""

from langadapt.instructions import write_sections
from langadapt.logs import log_to

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    write_sections(
        snakemake.input.train,  # noqa: F821
        snakemake.output.sections,  # noqa: F821
        snakemake.params.translation,  # noqa: F821
        snakemake.params.examples,  # noqa: F821
    )
