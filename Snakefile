# langadapt: adapt a causal LLM to a low-resource language (Llama-eus, x-LLaMA, Nemotron-Mini-Hindi).
# Run: snakemake --cores all    (config: config.yaml; paper recipes: --configfile configs/<name>.yaml)
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
