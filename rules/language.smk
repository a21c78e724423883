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


