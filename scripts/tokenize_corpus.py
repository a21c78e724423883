"""Rule tokenize_corpus: one corpus -> results/tokens/{lang}/{corpus}.npy + .json stats."""

from langadapt.logs import log_to
from langadapt.tokenize_corpus import tokenize_corpus

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    tokenize_corpus(
        snakemake.input.text,  # noqa: F821
        snakemake.params.field,  # noqa: F821
        snakemake.input.tokenizer,  # noqa: F821
        snakemake.output.ids,  # noqa: F821
        snakemake.output.stats,  # noqa: F821
        allow_empty=snakemake.params.allow_empty,  # noqa: F821
    )
