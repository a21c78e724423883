# Instruction data (results/instruct/{lang}/) and LoRA instruction tuning, one job per SFT cell.


rule instruct_sections:
    input:
        train="results/data/{lang}/clean/train.jsonl",
    output:
        sections="results/instruct/{lang}/sections.jsonl",
    log:
        "logs/instruct_sections/{lang}.log",
    params:
        translation=config["synthetic"]["translation"],
        examples=config["sft"]["general_examples"] + config["dpo"]["preference_pairs"],
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    conda:
        "../envs/train.yaml"
    script:
        "../scripts/instruct_sections.py"


rule instruct_general:
    input:
        sections="results/instruct/{lang}/sections.jsonl",
    output:
        general="results/instruct/{lang}/general.{instr}.jsonl",
    log:
        "logs/instruct_general/{lang}/{instr}.log",
    params:
        examples=config["sft"]["general_examples"],
        dataset=config["sft"]["general_dataset"],
        translation=config["synthetic"]["translation"],
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    conda:
        "../envs/train.yaml"
    script:
        "../scripts/instruct_general.py"


rule instruct_translation:
    input:
        train="results/data/{lang}/clean/train.jsonl",
    output:
        translation="results/instruct/{lang}/translation.jsonl",
    log:
        "logs/instruct_translation/{lang}.log",
    params:
        examples=translation_examples_needed(),
        direction=config["sft"]["translation_direction"],
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
        translation="results/instruct/{lang}/translation.jsonl",
    output:
        instructions="results/instruct/{lang}/sft/instr={instr}/xlate={xlate}/seed={seed}.jsonl",
    log:
        "logs/instruct_sft_set/{lang}/instr={instr}/xlate={xlate}/seed={seed}.log",
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
        instructions="results/instruct/{lang}/sft/instr={instr}/xlate={xlate}/seed={seed}.jsonl",
        model=sft_init_model_dir,
    output:
        model=directory("results/sft/{lang}/init={init}/instr={instr}/xlate={xlate}/seed={seed}/model"),
        train_log="results/sft/{lang}/init={init}/instr={instr}/xlate={xlate}/seed={seed}/train_log.csv",
        recipe="results/sft/{lang}/init={init}/instr={instr}/xlate={xlate}/seed={seed}/recipe.yaml",
    log:
        "logs/sft/{lang}/init={init}/instr={instr}/xlate={xlate}/seed={seed}.log",
    benchmark:
        "benchmarks/sft/{lang}/init={init}/instr={instr}/xlate={xlate}/seed={seed}.tsv"
    params:
        checkpoint_dir=resume_checkpoint_dir,
        recipe=config["sft"]["recipe"],
        gpus=config["sft"]["gpus"],
        deepspeed=config["sft"]["deepspeed"],
    threads: 2
    resources:
        mem_mb=4000,
        runtime=60,
        gpu=config["sft"]["gpus"],
    conda:
        "../envs/train.yaml"
    script:
        "../scripts/sft.py"


# A merged safetensors copy of an SFT or DPO cell, for users who want one (not part of `all`):
# snakemake results/sft/gl/init=cpt/instr=mt/xlate=32/seed=1/merged
rule export_merged:
    input:
        model="results/{stage}/{lang}/{cell}/model",
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
