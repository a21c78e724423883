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
    # One thread, like evaluation jobs (rules/eval.smk): with 2-thread training jobs on 2 cores
    # an evaluation ran alone whenever only training jobs were waiting (a core idle for 6 of the
    # default run's 25 minutes). One thread trains at 0.60x the tokens/s of two (bench
    # lever_one_thread), so two 1-thread jobs side by side do 1.2x the work. SFT and DPO too;
    # profiles/slurm sets cluster threads, and --set-threads cpt=N raises it on a big machine.
    threads: 1
    priority: TRAINING_CHAIN_PRIORITY
    resources:
        mem_mb=6000,
        runtime=60,
        **training_job_resources("cpt"),
    conda:
        "../envs/train.yaml"
    script:
        "../scripts/cpt.py"
