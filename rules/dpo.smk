# Preference pairs (results/instruct/{lang}/preferences.jsonl) and DPO (dpo.method: LoRA or full,
# full with a separate frozen reference model) on SFT cells.

# Preference pairs from the translated help sections: light unless a model translates a dataset.
if config["synthetic"]["translation"]["backend"] == "apertium" or not config["dpo"]["preference_dataset"]:

    localrules:
        instruct_preferences,


rule instruct_preferences:
    input:
        sections="results/instruct/{lang}/sections.jsonl",
        translation=machine_translation_available("dpo"),
    output:
        preferences="results/instruct/{lang}/preferences.jsonl",
    log:
        "logs/instruct_preferences/{lang}.log",
    benchmark:
        "benchmarks/instruct_preferences/{lang}.tsv"
    params:
        parts=config["dpo"]["parts"],
        skip=help_section_counts(config)[0],
        translation=mt_backend_spec(),
    threads: 1
    resources:
        mem_mb=2000,
        gpu=translation_gpus(),  # neural MT translates here (sorted batches): a GPU job
        runtime=30,
    conda:
        "../envs/train.yaml"
    script:
        "../scripts/instruct_preferences.py"


# A preference set is a selection of rows in seconds: run on the login node under SLURM.
localrules:
    instruct_preference_set,


rule instruct_preference_set:
    """The pairs of one preference set (dpo.part_sets): rows of its parts in preferences.jsonl."""
    input:
        preferences="results/instruct/{lang}/preferences.jsonl",
    output:
        preferences="results/instruct/{lang}/preferences/prefs={prefset}.jsonl",
    log:
        "logs/instruct_preference_set/{lang}/{prefset}.log",
    benchmark:
        "benchmarks/instruct_preference_set/{lang}/{prefset}.tsv"
    params:
        parts=lambda wildcards: grids.part_set(config, wildcards.prefset, stage="dpo"),
    wildcard_constraints:
        prefset="[A-Za-z0-9_]+",
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../envs/train.yaml"
    script:
        "../scripts/instruct_preference_set.py"


rule dpo:
    input:
        preferences="results/instruct/{lang}/preferences{prefspart}.jsonl",
        model="results/sft/{lang}/init={init}/instr={instr}{partspart}/xlate={xlate}{dirpart}/seed={seed}/model",
    output:
        model=directory("results/dpo/{lang}/init={init}/instr={instr}{partspart}/xlate={xlate}{dirpart}{prefspart}/seed={seed}/model"),
        train_log="results/dpo/{lang}/init={init}/instr={instr}{partspart}/xlate={xlate}{dirpart}{prefspart}/seed={seed}/train_log.csv",
        recipe="results/dpo/{lang}/init={init}/instr={instr}{partspart}/xlate={xlate}{dirpart}{prefspart}/seed={seed}/recipe.yaml",
    log:
        "logs/dpo/{lang}/init={init}/instr={instr}{partspart}/xlate={xlate}{dirpart}{prefspart}/seed={seed}.log",
    benchmark:
        "benchmarks/dpo/{lang}/init={init}/instr={instr}{partspart}/xlate={xlate}{dirpart}{prefspart}/seed={seed}.tsv"
    params:
        checkpoint_dir=resume_checkpoint_dir,
        recipe=config["dpo"]["recipe"],
        method=config["dpo"]["method"],
        gpus=config["dpo"]["gpus"],
        deepspeed=config["dpo"]["deepspeed"],
    threads: 1  # as rule cpt
    priority: TRAINING_CHAIN_PRIORITY
    resources:
        mem_mb=4000,
        runtime=60,
        **training_job_resources("dpo"),
    conda:
        "../envs/train.yaml"
    script:
        "../scripts/dpo.py"
