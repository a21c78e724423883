"""Rule prepare_reference_model: an outside reference model as a safetensors directory."""

from langadapt.logs import log_to
from langadapt.reference_models import prepare_reference_model

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    prepare_reference_model(
        {"evaluation": {"reference_models": snakemake.params.entries}},  # noqa: F821
        snakemake.wildcards.reference,  # noqa: F821
        snakemake.output.model,  # noqa: F821
    )
