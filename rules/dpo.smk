# Preference pairs (results/instruct/{lang}/preferences.jsonl) and DPO with LoRA on SFT cells.


rule instruct_preferences:
    input:
        sections="results/instruct/{lang}/sections.jsonl",
    output:
        preferences="results/instruct/{lang}/preferences.jsonl",
    log:
        "logs/instruct_preferences/{lang}.log",
    params:
        examples=config["dpo"]["preference_pairs"],
        skip=config["sft"]["general_examples"],
        dataset=config["dpo"]["preference_dataset"],
        translation=config["synthetic"]["translation"],
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    conda:
        "../envs/train.yaml"
    script:
        "../scripts/instruct_preferences.py"


rule dpo:
    input:
        preferences="results/instruct/{lang}/preferences.jsonl",
        model="results/sft/{lang}/init={init}/instr={instr}/xlate={xlate}/seed={seed}/model",
    output:
        model=directory("results/dpo/{lang}/init={init}/instr={instr}/xlate={xlate}/seed={seed}/model"),
        train_log="results/dpo/{lang}/init={init}/instr={instr}/xlate={xlate}/seed={seed}/train_log.csv",
        recipe="results/dpo/{lang}/init={init}/instr={instr}/xlate={xlate}/seed={seed}/recipe.yaml",
    log:
        "logs/dpo/{lang}/init={init}/instr={instr}/xlate={xlate}/seed={seed}.log",
    benchmark:
        "benchmarks/dpo/{lang}/init={init}/instr={instr}/xlate={xlate}/seed={seed}.tsv"
    params:
        checkpoint_dir=resume_checkpoint_dir,
        recipe=config["dpo"]["recipe"],
        gpus=config["dpo"]["gpus"],
        deepspeed=config["dpo"]["deepspeed"],
    threads: 2
    resources:
        mem_mb=4000,
        runtime=60,
        gpu=config["dpo"]["gpus"],
    conda:
        "../envs/train.yaml"
    script:
        "../scripts/dpo.py"
