# Vocabulary extension (grid axis cpt.grid vocab_extension): an extended base model per size,
# corpora tokenised once per tokenizer, mixtures and CPT cells under a vocab=N/ path part
# (left out at 0, so base-tokenizer paths are unchanged), throughput per checkpoint and the
# paper's vocabulary table and figure. Files: docs/contract.md.


wildcard_constraints:
    vocab="[1-9][0-9]*",


# Light (seconds, no model): on SLURM it runs on the login node.
localrules:
    paper_vocabulary,


rule extend_vocabulary:
    """Learn N target tokens from the real training text, extend tokenizer and embeddings."""
    input:
        model="results/models/base",
        train="results/data/{lang}/clean/train.jsonl",
    output:
        model=directory("results/vocab/{lang}/vocab={vocab}/model"),
        report="results/vocab/{lang}/vocab={vocab}/extension.json",
    log:
        "logs/extend_vocabulary/{lang}/vocab={vocab}.log",
    benchmark:
        "benchmarks/extend_vocabulary/{lang}/vocab={vocab}.tsv"
    params:
        min_frequency=config["vocabulary"]["min_frequency"],
        join_marks=config["vocabulary"]["join_combining_marks"],
        key=lambda wildcards: vocab_grid_key(wildcards.vocab),
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        "../envs/train.yaml"
    script:
        "../scripts/extend_vocabulary.py"


use rule tokenize_corpus as tokenize_corpus_extended_vocabulary with:
    input:
        text=corpus_text_file,
        tokenizer="results/vocab/{lang}/vocab={vocab}/model",
    output:
        ids="results/tokens/{lang}/vocab={vocab}/{corpus}.npy",
        stats="results/tokens/{lang}/vocab={vocab}/{corpus}.json",
    log:
        "logs/tokenize_corpus/{lang}/vocab={vocab}/{corpus}.log",
    benchmark:
        "benchmarks/tokenize_corpus/{lang}/vocab={vocab}/{corpus}.tsv"


use rule tokenize_corpus_shard as tokenize_corpus_shard_extended_vocabulary with:
    input:
        text="results/data/{lang}/shards/{corpus}/{shard}-of-{shards}.jsonl",
        tokenizer="results/vocab/{lang}/vocab={vocab}/model",
    output:
        ids="results/tokens/{lang}/vocab={vocab}/{corpus}/{shard}-of-{shards}.npy",
        stats="results/tokens/{lang}/vocab={vocab}/{corpus}/{shard}-of-{shards}.json",
    log:
        "logs/tokenize_corpus/{lang}/vocab={vocab}/{corpus}/{shard}-of-{shards}.log",
    benchmark:
        "benchmarks/tokenize_corpus/{lang}/vocab={vocab}/{corpus}/{shard}-of-{shards}.tsv"


use rule build_mixture as build_mixture_extended_vocabulary with:
    input:
        unpack(extended_mixture_token_files),
    output:
        index="results/mix/{lang}/vocab={vocab}/ratio={ratio}/tokens={tokens}/synth={synth}/index.npy",
        info="results/mix/{lang}/vocab={vocab}/ratio={ratio}/tokens={tokens}/synth={synth}/mix.json",
    log:
        "logs/build_mixture/{lang}/vocab={vocab}/ratio={ratio}/tokens={tokens}/synth={synth}.log",
    benchmark:
        "benchmarks/build_mixture/{lang}/vocab={vocab}/ratio={ratio}/tokens={tokens}/synth={synth}.tsv"


use rule cpt as cpt_extended_vocabulary with:
    input:
        mixture="results/mix/{lang}/vocab={vocab}/ratio={ratio}/tokens={tokens}/synth={synth}/mix.json",
        index="results/mix/{lang}/vocab={vocab}/ratio={ratio}/tokens={tokens}/synth={synth}/index.npy",
        model="results/vocab/{lang}/vocab={vocab}/model",
        dev=cpt_dev_split,
    output:
        model=directory("results/cpt/{lang}/vocab={vocab}/ratio={ratio}/tokens={tokens}/synth={synth}/seed={seed}/model"),
        train_log="results/cpt/{lang}/vocab={vocab}/ratio={ratio}/tokens={tokens}/synth={synth}/seed={seed}/train_log.csv",
        recipe="results/cpt/{lang}/vocab={vocab}/ratio={ratio}/tokens={tokens}/synth={synth}/seed={seed}/recipe.yaml",
    log:
        "logs/cpt/{lang}/vocab={vocab}/ratio={ratio}/tokens={tokens}/synth={synth}/seed={seed}.log",
    benchmark:
        "benchmarks/cpt/{lang}/vocab={vocab}/ratio={ratio}/tokens={tokens}/synth={synth}/seed={seed}.tsv"


rule vocab_throughput:
    """Generation (and CPT training) characters/s of one checkpoint."""
    input:
        unpack(throughput_inputs),
    output:
        speed="results/vocab/{lang}/throughput/{checkpoint}.json",
    log:
        "logs/vocab_throughput/{lang}/{checkpoint}.log",
    benchmark:
        "benchmarks/vocab_throughput/{lang}/{checkpoint}.tsv"
    params:
        prompts=config["vocabulary"]["throughput_prompts"],
        max_new_tokens=config["evaluation"]["max_new_tokens"],
        dtype=config["evaluation"]["dtype"],
    threads: 1  # timed; one torch thread (two spinning threads on a busy CPU measure the neighbours)
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        "../envs/eval.yaml"
    script:
        "../scripts/vocab_throughput.py"


rule paper_vocabulary:
    input:
        test=f"results/data/{LANG}/clean/test.jsonl",
        tokenizers=list(vocabulary_tokenizers().values()),
        metrics=[f"results/eval/{LANG}/{name}/metrics.json" for name in ["base", *cpt_checkpoint_names()]],
        throughput=[f"results/vocab/{LANG}/throughput/{name}.json" for name in ["base", *cpt_checkpoint_names()]],
    output:
        md=f"{PAPER_DIR}/tables/vocabulary.md",
        tex=f"{PAPER_DIR}/tables/vocabulary.tex",
        csv=report(f"{PAPER_DIR}/tables/vocabulary.csv", caption="../report/table_vocabulary.rst",
                   category="Tables"),
        pdf=f"{PAPER_DIR}/figures/vocabulary.pdf",
        png=report(f"{PAPER_DIR}/figures/vocabulary.png", caption="../report/figure_vocabulary.rst",
                   category="Figures"),
    log:
        f"logs/paper/{RUN}/vocabulary.log",
    benchmark:
        f"benchmarks/paper/{RUN}/paper_vocabulary.tsv"
    params:
        checkpoints=["base", *cpt_checkpoint_names()],
        tokenizers=vocabulary_tokenizers(),
        metrics={name: f"results/eval/{LANG}/{name}/metrics.json" for name in ["base", *cpt_checkpoint_names()]},
        throughput={name: f"results/vocab/{LANG}/throughput/{name}.json"
                    for name in ["base", *cpt_checkpoint_names()]},
        lang=LANG,
        language_name=config["language"]["name"],
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../envs/paper.yaml"
    script:
        "../scripts/paper_vocabulary.py"
