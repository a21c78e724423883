"""Rule export_merged: one SFT/DPO cell's adapters merged into its base, saved as safetensors
with a model card (README.md)."""

from langadapt.logs import log_to
from langadapt.model_card import write_model_card
from langadapt.modeling import export_merged

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    exported = export_merged(snakemake.input.model, snakemake.output.merged)  # noqa: F821
    write_model_card(exported, snakemake.input.model, snakemake.wildcards.lang,  # noqa: F821
                     snakemake.input.metrics, snakemake.input.data_card)  # noqa: F821
