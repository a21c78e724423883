"""Rule clean_and_split: merge a language's sources, clean, deduplicate and split by group."""

# ruff: noqa: F821  (snakemake is injected by the script directive)
import json
import sys

sys.stderr = open(snakemake.log[0], "w")

from langadapt.clean import clean_files  # noqa: E402

sources = {name: path for name, path in snakemake.input.items()}
report = clean_files(sources, snakemake.params.split, dict(snakemake.output.items()))
print(
    json.dumps({name: split["records"] for name, split in report["splits"].items()}),
    file=sys.stderr,
)
