"""Rule instruct_preference_set: the preference pairs of one dpo.part_sets set."""

from langadapt.logs import log_to
from langadapt.preferences import write_preference_set

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    write_preference_set(
        snakemake.input.preferences,  # noqa: F821
        snakemake.output.preferences,  # noqa: F821
        snakemake.wildcards.prefset,  # noqa: F821
        list(snakemake.params.parts),  # noqa: F821
    )
