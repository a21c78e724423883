# Several target languages in one run (config `languages`, langadapt.languages): the
# single-language workflow imported once per language as a Snakemake module, its config the
# shared config merged with that language's entry, its rules renamed <code>_* (pt-BR: pt_BR_*).
# Every path already carries {lang}, and each module's rules make only its language's files
# (common.smk constrains {lang}); the rules whose outputs all languages share (base model,
# Debian packages, reference models) come from the first language's module only (the
# `exclude` below).
from langadapt.languages import module_name

LANGUAGE_MODULES = {}  # {code: the module's namespace (its LANG, RUN, target functions)}

for language_index, (language_code, language_config) in enumerate(LANGUAGE_CONFIGS.items()):
    language_module = f"language_{module_name(language_code)}"
    language_rule_prefix = f"{module_name(language_code)}_"

    module:
        name: language_module
        snakefile: "language.smk"
        config: language_config

    if language_index == 0:

        use rule * from language_module as language_rule_prefix*

    else:

        use rule * from language_module exclude prepare_base_model, fetch_debian_package, prepare_reference_model as language_rule_prefix*

    LANGUAGE_MODULES[language_code] = workflow.globals[language_module]

# A module's `localrules:` name its rules unprefixed (Snakemake does not rename them): run the
# prefixed rules on the login node under SLURM as the single-language workflow does.
workflow.localrules(*[name for name in {rule.name for rule in workflow.rules}
                      for local in workflow._localrules
                      if any(name == f"{module_name(code)}_{local}" for code in LANGUAGE_CONFIGS)])

# sft.joint (x-LLaMA's m-LLaMA): one model tuned on every language's SFT set, for each SFT cell
# that starts from the base model; each language's module evaluates it as checkpoint joint/<cell>.
JOINT_CELLS = LANGUAGE_MODULES[next(iter(LANGUAGE_CONFIGS))].joint_cell_paths()
JOINT_MODELS = [f"results/sft/joint/{cell}/model" for cell in JOINT_CELLS]
joint_module = f"language_{module_name(next(iter(LANGUAGE_CONFIGS)))}"
joint_rule = "sft_joint"


rule instruct_joint_set:
    """Every language's SFT set of one cell, shuffled together."""
    input:
        [f"results/instruct/{code}/sft/{{cell}}/seed={{seed}}.jsonl" for code in LANGUAGE_CONFIGS],
    output:
        "results/instruct/joint/sft/{cell}/seed={seed}.jsonl",
    log:
        "logs/instruct_joint_set/{cell}/seed={seed}.log",
    benchmark:
        "benchmarks/instruct_joint_set/{cell}/seed={seed}.tsv"
    localrule: True
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../envs/train.yaml"
    script:
        "../scripts/instruct_joint_set.py"


# The first language's rule sft (recipe, resources) on the joint set, from the base model.
use rule sft from joint_module as joint_rule with:
    input:
        instructions="results/instruct/joint/sft/instr={instr}{partspart}/xlate={xlate}{dirpart}/seed={seed}.jsonl",
        model="results/models/base",
    output:
        model=directory("results/sft/joint/init=base/instr={instr}{partspart}/xlate={xlate}{dirpart}/seed={seed}/model"),
        train_log="results/sft/joint/init=base/instr={instr}{partspart}/xlate={xlate}{dirpart}/seed={seed}/train_log.csv",
        recipe="results/sft/joint/init=base/instr={instr}{partspart}/xlate={xlate}{dirpart}/seed={seed}/recipe.yaml",
    log:
        "logs/sft/joint/init=base/instr={instr}{partspart}/xlate={xlate}{dirpart}/seed={seed}.log",
    benchmark:
        "benchmarks/sft/joint/init=base/instr={instr}{partspart}/xlate={xlate}{dirpart}/seed={seed}.tsv"


LANGUAGES_DIR = f"results/paper/{MULTILINGUAL_RUN}"
LANGUAGE_TABLES = [f"{LANGUAGES_DIR}/languages.{ext}" for ext in ("md", "csv")]


rule paper_languages:
    """The cross-language table: one row block per language (its checkpoints and the best
    trivial baseline of each metric), from each language's metrics.csv."""
    input:
        [f"{namespace.PAPER_DIR}/metrics.csv" for namespace in LANGUAGE_MODULES.values()],
    output:
        md=LANGUAGE_TABLES[0],
        csv=LANGUAGE_TABLES[1],
    log:
        f"logs/paper/{MULTILINGUAL_RUN}/languages.log",
    benchmark:
        f"benchmarks/paper/{MULTILINGUAL_RUN}/paper_languages.tsv"
    params:
        languages={code: language["language"]["name"] or code
                   for code, language in LANGUAGE_CONFIGS.items()},
    localrule: True
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../envs/paper.yaml"
    script:
        "../scripts/paper_languages.py"


rule paper_publish:
    """Every language's paper_publish (docs/<run>/<code>/) and the cross-language table, copied
    to docs/<run>/languages.md (explicit target: `snakemake paper_publish`)."""
    input:
        tables=[LANGUAGE_TABLES[0]],
        languages=[path for namespace in LANGUAGE_MODULES.values()
                   for path in namespace.publish_targets()],
    output:
        f"docs/{MULTILINGUAL_RUN}/languages.md",
    log:
        f"logs/paper/{MULTILINGUAL_RUN}/publish.log",
    benchmark:
        f"benchmarks/paper/{MULTILINGUAL_RUN}/paper_publish.tsv"
    localrule: True
    resources:
        mem_mb=200,
        runtime=5,
    conda:
        "../envs/paper.yaml"
    script:
        "../scripts/paper_publish.py"
