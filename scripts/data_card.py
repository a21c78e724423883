"""Rule data_card: sizes, fertility, cleaning and filter statistics and provenance of the data."""

# ruff: noqa: F821  (snakemake is injected by the script directive)
import sys

sys.stderr = open(snakemake.log[0], "w")

from langadapt.datacard import build_card, mixture_reports, write_card  # noqa: E402

inputs = snakemake.input
card = build_card(
    snakemake.config,
    snakemake.params.config_hash,
    splits={split: inputs[split] for split in ("train", "dev", "test")},
    clean_report=inputs.report,
    tokenizer_dir=inputs.tokenizer,
    debian_metadata=list(inputs.debian),
    filter_report=inputs.get("filter_report"),
    mixtures=mixture_reports(snakemake.wildcards.lang),
)
write_card(card, snakemake.output.json, snakemake.output.markdown)
