"""Rule instruct_preferences: DPO preference pairs of every dpo.parts entry (rules/dpo.smk)."""

from langadapt.logs import log_to
from langadapt.preferences import write_preferences

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    write_preferences(
        snakemake.input.sections,  # noqa: F821
        snakemake.output.preferences,  # noqa: F821
        list(snakemake.params.parts),  # noqa: F821
        snakemake.params.skip,  # noqa: F821
        translation_spec=snakemake.params.translation,  # noqa: F821
    )
