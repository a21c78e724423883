"""Rule tokenize_corpus: one corpus -> results/tokens/{lang}/{corpus}.npy + .json stats."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

from langadapt.tokenize_corpus import tokenize_corpus  # noqa: E402

tokenize_corpus(
    snakemake.input.text,  # noqa: F821
    snakemake.params.field,  # noqa: F821
    snakemake.input.tokenizer,  # noqa: F821
    snakemake.output.ids,  # noqa: F821
    snakemake.output.stats,  # noqa: F821
)
