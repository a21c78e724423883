"""Rule transliterate: Devanagari target text (clean train split or mt corpus) -> Roman script."""

from langadapt.logs import log_to
from langadapt.synthetic import transliterate_train

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    transliterate_train(snakemake.input.train, snakemake.output.jsonl, snakemake.params.scheme)  # noqa: F821
