# One target language: the whole workflow (the Snakefile includes it for a config without
# `languages`, and imports it once per language as a module for a config with them).

include: "common.smk"  # validates the config (schemas/config.schema.yaml) and fills defaults
include: "base_model.smk"
include: "data.smk"
include: "synthetic.smk"
include: "mix.smk"
include: "cpt.smk"
include: "vocab.smk"  # vocabulary extension: extended base models, tokens, mixtures, CPT cells
include: "sft.smk"
include: "dpo.smk"
include: "eval.smk"
include: "paper.smk"



def stage_targets():
    """{target rule of the Snakefile: its inputs}: all, and each stage's outputs (cpt, sft,
    dpo, eval, paper; export, not part of all: a merged copy and a PEFT adapter export of
    every SFT and DPO cell)."""
    return {
        "all": final_targets(),
        "cpt": [f"results/cpt/{LANG}/{cell}/model" for cell in cpt_cell_paths()],
        "sft": [f"results/sft/{LANG}/{cell}/model" for cell in sft_cell_paths()],
        "dpo": [f"results/dpo/{LANG}/{cell}/model" for cell in dpo_cell_paths()],
        "eval": eval_targets(),
        "paper": paper_targets(),
        "export": [f"results/{stage}/{LANG}/{cell}/{export}"
                   for stage, cells in (("sft", sft_cell_paths()), ("dpo", dpo_cell_paths()))
                   for cell in cells for export in ("merged", "adapter_export")],
    }
