# Instruction data (results/instruct/{lang}/) and instruction tuning (sft.method: LoRA or full),
# one job per SFT cell.

# Instruction sets are built from text in seconds: run on the login node under SLURM. The two
# that machine-translate stay batch jobs when a model translates (hf_seq2seq, causal_lm).
localrules:
    instruct_translation,
    instruct_sft_set,


if config["synthetic"]["translation"]["backend"] == "apertium" or not config["synthetic"]["translation"]["enabled"]:

    localrules:
        instruct_sections,
        instruct_general,


rule instruct_sections:
    input:
        train="results/data/{lang}/clean/train.jsonl",
    output:
        sections="results/instruct/{lang}/sections.jsonl",
    log:
        "logs/instruct_sections/{lang}.log",
    benchmark:
        "benchmarks/instruct_sections/{lang}.tsv"
    params:
        translation=mt_backend_spec(),
        examples=sum(help_section_counts(config)),
    threads: 1
    resources:
        mem_mb=2000,
        gpu=translation_gpus(),  # neural MT translates here (sorted batches): a GPU job
        runtime=30,
    conda:
        "../envs/train.yaml"
    script:
        "../scripts/instruct_sections.py"


rule instruct_general:
    input:
        sections="results/instruct/{lang}/sections.jsonl",
        translation=machine_translation_available("sft"),
    output:
        general="results/instruct/{lang}/general.{instr}.jsonl",
    log:
        "logs/instruct_general/{lang}/{instr}.log",
    benchmark:
        "benchmarks/instruct_general/{lang}/{instr}.tsv"
    params:
        parts=config["sft"]["parts"],
        translation=mt_backend_spec(),
    threads: 1
    resources:
        mem_mb=2000,
        gpu=translation_gpus(),  # neural MT translates here (sorted batches): a GPU job
        runtime=30,
    conda:
        "../envs/train.yaml"
    script:
        "../scripts/instruct_general.py"


rule instruct_translation:
    input:
        train="results/data/{lang}/clean/train.jsonl",
    output:
        translation="results/instruct/{lang}/translation{dirpart}.jsonl",
    log:
        "logs/instruct_translation/{lang}{dirpart}.log",
    benchmark:
        "benchmarks/instruct_translation/{lang}{dirpart}.tsv"
    params:
        examples=translation_examples_needed(),
        direction=translation_direction,
        language_name=config["language"]["name"],
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    conda:
        "../envs/train.yaml"
    script:
        "../scripts/instruct_translation.py"


rule instruct_sft_set:
    input:
        general="results/instruct/{lang}/general.{instr}.jsonl",
        translation="results/instruct/{lang}/translation{dirpart}.jsonl",
    output:
        instructions="results/instruct/{lang}/sft/instr={instr}{partspart}/xlate={xlate}{dirpart}/seed={seed}.jsonl",
    log:
        "logs/instruct_sft_set/{lang}/instr={instr}{partspart}/xlate={xlate}{dirpart}/seed={seed}.log",
    benchmark:
        "benchmarks/instruct_sft_set/{lang}/instr={instr}{partspart}/xlate={xlate}{dirpart}/seed={seed}.tsv"
    params:
        parts=sft_part_names,
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../envs/train.yaml"
    script:
        "../scripts/instruct_sft_set.py"


rule sft:
    input:
        instructions="results/instruct/{lang}/sft/instr={instr}{partspart}/xlate={xlate}{dirpart}/seed={seed}.jsonl",
        model=sft_init_model_dir,
    output:
        model=directory("results/sft/{lang}/init={init}/instr={instr}{partspart}/xlate={xlate}{dirpart}/seed={seed}/model"),
        train_log="results/sft/{lang}/init={init}/instr={instr}{partspart}/xlate={xlate}{dirpart}/seed={seed}/train_log.csv",
        recipe="results/sft/{lang}/init={init}/instr={instr}{partspart}/xlate={xlate}{dirpart}/seed={seed}/recipe.yaml",
    log:
        "logs/sft/{lang}/init={init}/instr={instr}{partspart}/xlate={xlate}{dirpart}/seed={seed}.log",
    benchmark:
        "benchmarks/sft/{lang}/init={init}/instr={instr}{partspart}/xlate={xlate}{dirpart}/seed={seed}.tsv"
    params:
        checkpoint_dir=resume_checkpoint_dir,
        recipe=config["sft"]["recipe"],
        method=config["sft"]["method"],
        gpus=config["sft"]["gpus"],
        deepspeed=config["sft"]["deepspeed"],
    threads: 1  # as rule cpt
    priority: TRAINING_CHAIN_PRIORITY
    resources:
        mem_mb=4000,
        runtime=60,
        **training_job_resources("sft"),
    conda:
        "../envs/train.yaml"
    script:
        "../scripts/sft.py"


# A standalone merged copy of an SFT or DPO cell (safetensors, tokenizer, README.md model card
# with provenance, recipes, evaluation and data card), for others to load (not part of `all`):
# snakemake results/sft/gl/init=cpt/instr=mt/xlate=32/seed=1/merged
rule export_merged:
    input:
        model="results/{stage}/{lang}/{cell}/model",
        metrics="results/eval/{lang}/{stage}/{cell}/metrics.json",
        data_card="results/data/{lang}/card.md",
    output:
        merged=directory("results/{stage}/{lang}/{cell}/merged"),
    log:
        "logs/export_merged/{stage}/{lang}/{cell}.log",
    benchmark:
        "benchmarks/export_merged/{stage}/{lang}/{cell}.tsv"
    wildcard_constraints:
        stage="sft|dpo",
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        "../envs/train.yaml"
    script:
        "../scripts/export_merged.py"


# The cell's LoRA adapter beside the exact weights it was trained on (adapter/ with
# base_model_name_or_path "base", base/ = the stages under it merged), each with a model card:
# snakemake results/dpo/gl/init=cpt/instr=mt/xlate=32/seed=1/adapter_export
rule export_adapter:
    input:
        model="results/{stage}/{lang}/{cell}/model",
        metrics="results/eval/{lang}/{stage}/{cell}/metrics.json",
        data_card="results/data/{lang}/card.md",
    output:
        export=directory("results/{stage}/{lang}/{cell}/adapter_export"),
    log:
        "logs/export_adapter/{stage}/{lang}/{cell}.log",
    benchmark:
        "benchmarks/export_adapter/{stage}/{lang}/{cell}.tsv"
    wildcard_constraints:
        stage="sft|dpo",
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        "../envs/train.yaml"
    script:
        "../scripts/export_adapter.py"
