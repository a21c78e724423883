"""Rule export_adapter: one SFT/DPO cell's LoRA adapter beside the exact weights it was trained
on (adapter/ and base/, each with a model card); uploaded when export.push_to_hub is on."""

from langadapt.export import export_adapter, hub_target, push_export
from langadapt.logs import log_to
from langadapt.model_card import write_model_card
from langadapt.modeling import adapter_base_dir

W = snakemake.wildcards  # noqa: F821 (injected by Snakemake)
MODEL = snakemake.input.model  # noqa: F821
with log_to(snakemake.log[0]):  # noqa: F821
    exported = export_adapter(MODEL, snakemake.output.export)  # noqa: F821
    cards = (snakemake.input.metrics, snakemake.input.data_card)  # noqa: F821
    write_model_card(exported / "adapter", MODEL, W.lang, *cards, kind="adapter")
    write_model_card(exported / "base", adapter_base_dir(MODEL).resolve(), W.lang,
                     data_card=cards[1], kind="base")
    repo = hub_target(snakemake.config["export"], W.lang, W.stage, W.cell)  # noqa: F821
    if repo:
        print("uploaded:", push_export(exported, repo, snakemake.config["export"]["private"]))  # noqa: F821
