# langadapt: adapt a causal LLM to a low-resource language (Llama-eus, x-LLaMA, Nemotron-Mini-Hindi).
# Run: snakemake --cores all    (config: config.yaml; paper recipes: --configfile configs/<name>.yaml,
# which replaces config.yaml; stage targets: cpt_all sft_all dpo_all eval_all paper_all export_all)
from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


include: "rules/config.smk"  # reads the config once; LANGUAGE_CONFIGS: one per `languages` entry

if LANGUAGE_CONFIGS:

    include: "rules/languages.smk"  # each language as a module, and the cross-language table

else:

    include: "rules/language.smk"  # the single-language workflow

# {target: files}, of every language when there are several
TARGETS = language_stage_targets() if LANGUAGE_CONFIGS else stage_targets()


rule all:
    input:
        TARGETS["all"],
    default_target: True


# Stage targets (`snakemake --cores 2 cpt_all`): each stage's outputs and what they need. The
# rules cpt, sft and dpo train one cell (wildcards), so the targets carry an _all suffix.
rule cpt_all:
    input:
        TARGETS["cpt"],


rule sft_all:
    input:
        TARGETS["sft"],


rule dpo_all:
    input:
        TARGETS["dpo"],


rule eval_all:
    input:
        TARGETS["eval"],


rule paper_all:
    input:
        TARGETS["paper"],


# Not part of `all`: a merged copy and a PEFT adapter export of every SFT and DPO cell.
rule export_all:
    input:
        TARGETS["export"],
