"""Rule transliterate: Devanagari target side of the clean train split -> translit.jsonl."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

from langadapt.synthetic import transliterate_train  # noqa: E402

transliterate_train(snakemake.input.train, snakemake.output.jsonl, snakemake.params.scheme)  # noqa: F821
