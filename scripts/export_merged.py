"""Rule export_merged: one SFT/DPO cell's adapter merged into its base, saved as safetensors."""

from langadapt.logs import log_to
from langadapt.modeling import export_merged

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    export_merged(snakemake.input.model, snakemake.output.merged)  # noqa: F821
