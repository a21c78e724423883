"""Rule export_merged: one SFT/DPO cell's adapters merged into its base, saved as safetensors
with a model card (README.md); uploaded when export.push_to_hub is on."""

from langadapt.export import hub_target, push_export
from langadapt.logs import log_to
from langadapt.model_card import write_model_card
from langadapt.modeling import export_merged

W = snakemake.wildcards  # noqa: F821 (injected by Snakemake)
with log_to(snakemake.log[0]):  # noqa: F821
    exported = export_merged(snakemake.input.model, snakemake.output.merged)  # noqa: F821
    write_model_card(exported, snakemake.input.model, W.lang,  # noqa: F821
                     snakemake.input.metrics, snakemake.input.data_card)  # noqa: F821
    repo = hub_target(snakemake.config["export"], W.lang, W.stage, W.cell)  # noqa: F821
    if repo:
        print("uploaded:", push_export(exported, repo, snakemake.config["export"]["private"]))  # noqa: F821
