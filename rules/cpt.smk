# Continual pre-training: one job per CPT grid cell (rules/common.smk: cpt_cell_paths()).
# Checkpoints go to results/checkpoints/cpt/... (not an output, so a killed job resumes).


rule cpt:
    input:
        mixture="results/mix/{lang}{corpuspart}/ratio={ratio}/tokens={tokens}/synth={synth}/mix.json",
        index="results/mix/{lang}{corpuspart}/ratio={ratio}/tokens={tokens}/synth={synth}/index.npy",
        model="results/models/base",
        dev=cpt_dev_split,
    output:
        model=directory("results/cpt/{lang}{corpuspart}/ratio={ratio}/tokens={tokens}/synth={synth}/seed={seed}/model"),
        train_log="results/cpt/{lang}{corpuspart}/ratio={ratio}/tokens={tokens}/synth={synth}/seed={seed}/train_log.csv",
        recipe="results/cpt/{lang}{corpuspart}/ratio={ratio}/tokens={tokens}/synth={synth}/seed={seed}/recipe.yaml",
    log:
        "logs/cpt/{lang}{corpuspart}/ratio={ratio}/tokens={tokens}/synth={synth}/seed={seed}.log",
    benchmark:
        "benchmarks/cpt/{lang}{corpuspart}/ratio={ratio}/tokens={tokens}/synth={synth}/seed={seed}.tsv"
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


# CPT corpus sets (cpt.corpus_sets, grid axis corpus, path part corpus=<set>): the real corpus of
# a cell is the clean train text of the set's sources, tokenised once per set.
rule select_corpus_set:
    input:
        train="results/data/{lang}/clean/train.jsonl",
    output:
        train="results/data/{lang}/clean/train/corpus={corpusset}.jsonl",
    log:
        "logs/select_corpus_set/{lang}/{corpusset}.log",
    benchmark:
        "benchmarks/select_corpus_set/{lang}/{corpusset}.tsv"
    params:
        sources=lambda wildcards: grids.corpus_set(config, wildcards.corpusset),
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../envs/data.yaml"
    script:
        "../scripts/select_corpus_set.py"


rule tokenize_corpus_set:
    """Tokenise the real corpus of one corpus set (as rule tokenize_corpus does the whole one)."""
    input:
        text="results/data/{lang}/clean/train/corpus={corpusset}.jsonl",
        tokenizer="results/models/base",
    output:
        ids="results/tokens/{lang}/real/corpus={corpusset}.npy",
        stats="results/tokens/{lang}/real/corpus={corpusset}.json",
    log:
        "logs/tokenize_corpus/{lang}/real/corpus={corpusset}.log",
    benchmark:
        "benchmarks/tokenize_corpus/{lang}/real/corpus={corpusset}.tsv"
    params:
        field="target",
        allow_empty=False,
    threads: 2
    priority: TRAINING_CHAIN_PRIORITY
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        "../envs/synthetic.yaml"
    script:
        "../scripts/tokenize_corpus.py"
