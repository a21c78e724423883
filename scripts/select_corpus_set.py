"""Rule select_corpus_set: the clean train records of one CPT corpus set's sources."""

from langadapt.corpora import select_corpus_set
from langadapt.logs import log_to

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    select_corpus_set(
        snakemake.input.train,  # noqa: F821
        snakemake.output.train,  # noqa: F821
        snakemake.wildcards.corpusset,  # noqa: F821
        list(snakemake.params.sources),  # noqa: F821
    )
