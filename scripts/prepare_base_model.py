"""Rule prepare_base_model: convert the configured base model to a safetensors directory, with
the chat template that base_model.chat_template names."""

from langadapt.chat_formats import set_chat_template
from langadapt.logs import log_to
from langadapt.modeling import prepare_base_model

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    out = prepare_base_model(snakemake.params.spec, snakemake.output.model)  # noqa: F821
    set_chat_template(out, snakemake.params.spec.get("chat_template", "model"))  # noqa: F821
