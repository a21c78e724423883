# langadapt: adapt a causal LLM to a low-resource language (Llama-eus, x-LLaMA, Nemotron-Mini-Hindi).
# Run: snakemake --cores all    (config: config.yaml; paper recipes: --configfile configs/<name>.yaml,
# which replaces config.yaml; stage targets: cpt_all sft_all dpo_all eval_all paper_all export_all)
from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


include: "rules/common.smk"  # validates the config (schemas/config.schema.yaml) and fills defaults
include: "rules/base_model.smk"
include: "rules/data.smk"
include: "rules/synthetic.smk"
include: "rules/mix.smk"
include: "rules/cpt.smk"
include: "rules/vocab.smk"  # vocabulary extension: extended base models, tokens, mixtures, CPT cells
include: "rules/sft.smk"
include: "rules/dpo.smk"
include: "rules/eval.smk"
include: "rules/paper.smk"


rule all:
    input:
        final_targets(),
    default_target: True


# Stage targets (`snakemake --cores 2 cpt_all`): each stage's outputs and what they need. The
# rules cpt, sft and dpo train one cell (wildcards), so the targets carry an _all suffix.
rule cpt_all:
    input:
        [f"results/cpt/{LANG}/{cell}/model" for cell in cpt_cell_paths()],


rule sft_all:
    input:
        [f"results/sft/{LANG}/{cell}/model" for cell in sft_cell_paths()],


rule dpo_all:
    input:
        [f"results/dpo/{LANG}/{cell}/model" for cell in dpo_cell_paths()],


rule eval_all:
    input:
        eval_targets(),


rule paper_all:
    input:
        paper_targets(),


# Not part of `all`: a merged copy and a PEFT adapter export of every SFT and DPO cell.
rule export_all:
    input:
        [f"results/{stage}/{LANG}/{cell}/{export}"
         for stage, cells in (("sft", sft_cell_paths()), ("dpo", dpo_cell_paths()))
         for cell in cells for export in ("merged", "adapter_export")],
