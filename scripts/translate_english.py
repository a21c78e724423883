"""Rule translate_english: English side of the clean train split -> mt.jsonl + provenance."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

from langadapt.synthetic import translate_english  # noqa: E402

translate_english(
    snakemake.input.train,  # noqa: F821
    snakemake.output.jsonl,  # noqa: F821
    snakemake.output.provenance,  # noqa: F821
    snakemake.params.translation,  # noqa: F821
)
