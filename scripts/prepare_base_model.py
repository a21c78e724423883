"""Rule prepare_base_model: convert the configured base model to a safetensors directory."""

from langadapt.logs import log_to
from langadapt.modeling import prepare_base_model

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    prepare_base_model(snakemake.params.spec, snakemake.output.model)  # noqa: F821
