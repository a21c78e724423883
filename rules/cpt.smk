# Continual pre-training: one job per CPT grid cell (rules/common.smk: cpt_cell_paths()).
# Checkpoints go to results/checkpoints/cpt/... (not an output, so a killed job resumes).


rule cpt:
    input:
        packed="results/mix/{lang}/ratio={ratio}/tokens={tokens}/synth={synth}/packed.npy",
        model="results/models/base",
    output:
        model=directory("results/cpt/{lang}/ratio={ratio}/tokens={tokens}/synth={synth}/seed={seed}/model"),
        train_log="results/cpt/{lang}/ratio={ratio}/tokens={tokens}/synth={synth}/seed={seed}/train_log.csv",
        recipe="results/cpt/{lang}/ratio={ratio}/tokens={tokens}/synth={synth}/seed={seed}/recipe.yaml",
    log:
        "logs/cpt/{lang}/ratio={ratio}/tokens={tokens}/synth={synth}/seed={seed}.log",
    benchmark:
        "benchmarks/cpt/{lang}/ratio={ratio}/tokens={tokens}/synth={synth}/seed={seed}.tsv"
    params:
        checkpoint_dir=resume_checkpoint_dir,
        recipe=config["cpt"]["recipe"],
        epochs=config["cpt"]["epochs"],
        gpus=config["cpt"]["gpus"],
        deepspeed=config["cpt"]["deepspeed"],
    threads: 2
    resources:
        mem_mb=6000,
        runtime=60,
        gpu=config["cpt"]["gpus"],
    conda:
        "../envs/train.yaml"
    script:
        "../scripts/cpt.py"
