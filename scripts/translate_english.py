"""Rule translate_english: English side of the clean train split -> mt.jsonl + provenance."""

from langadapt.logs import log_to
from langadapt.synthetic import translate_english

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    translate_english(
        snakemake.input.train,  # noqa: F821
        snakemake.output.jsonl,  # noqa: F821
        snakemake.output.provenance,  # noqa: F821
        snakemake.params.translation,  # noqa: F821
    )
