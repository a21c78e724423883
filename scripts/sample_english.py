"""Rule sample_english: the English records to translate, before translation by shard."""

from langadapt.logs import log_to
from langadapt.synthetic import sample_english

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    sample_english(
        snakemake.input.train,  # noqa: F821
        snakemake.output.jsonl,  # noqa: F821
        snakemake.params.translation,  # noqa: F821
    )
