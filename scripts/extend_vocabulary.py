"""Rule extend_vocabulary: base model + target train text -> results/vocab/{lang}/vocab={vocab}/."""

from langadapt.logs import log_to
from langadapt.vocab import extend_vocabulary

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    extend_vocabulary(
        snakemake.input.model,  # noqa: F821
        snakemake.input.train,  # noqa: F821
        int(snakemake.wildcards.vocab),  # noqa: F821
        snakemake.output.model,  # noqa: F821
        snakemake.output.report,  # noqa: F821
        min_frequency=snakemake.params.min_frequency,  # noqa: F821
        key=snakemake.params.key,  # noqa: F821
        join_marks=snakemake.params.join_marks,  # noqa: F821
    )
