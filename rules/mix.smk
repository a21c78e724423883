# rules for stage: mix — tokenise each corpus once, then index one mixture per cell over the tokens.
# Files: docs/contract.md (results/tokens/{lang}/, results/mix/{lang}/).


rule tokenize_corpus:
    """Tokenise one corpus (english, real, mt, translit, translit_mt) with the base tokenizer."""
    input:
        text=corpus_text_file,
        tokenizer="results/models/base",
    output:
        ids="results/tokens/{lang}/{corpus}.npy",
        stats="results/tokens/{lang}/{corpus}.json",
    log:
        "logs/tokenize_corpus/{lang}/{corpus}.log",
    benchmark:
        "benchmarks/tokenize_corpus/{lang}/{corpus}.tsv"
    wildcard_constraints:
        corpus="english|real|mt|translit|translit_mt",
    params:
        field=corpus_text_field,
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


rule shard_corpus:
    """One contiguous shard of a corpus JSONL, for a source with shards > 1 (langadapt.shards)."""
    input:
        text=shard_corpus_input,
    output:
        jsonl="results/data/{lang}/shards/{corpus}/{shard}-of-{shards}.jsonl",
    log:
        "logs/shard_corpus/{lang}/{corpus}/{shard}-of-{shards}.log",
    benchmark:
        "benchmarks/shard_corpus/{lang}/{corpus}/{shard}-of-{shards}.tsv"
    wildcard_constraints:
        corpus="english|real|mt|mt_source",
        shard="[0-9]+",
        shards="[0-9]+",
    threads: 1
    resources:
        mem_mb=1000,
        runtime=30,
    conda:
        "../envs/synthetic.yaml"
    script:
        "../scripts/shard_corpus.py"


use rule tokenize_corpus as tokenize_corpus_shard with:
    input:
        text="results/data/{lang}/shards/{corpus}/{shard}-of-{shards}.jsonl",
        tokenizer="results/models/base",
    output:
        ids="results/tokens/{lang}/{corpus}/{shard}-of-{shards}.npy",
        stats="results/tokens/{lang}/{corpus}/{shard}-of-{shards}.json",
    log:
        "logs/tokenize_corpus/{lang}/{corpus}/{shard}-of-{shards}.log",
    benchmark:
        "benchmarks/tokenize_corpus/{lang}/{corpus}/{shard}-of-{shards}.tsv"
    params:
        field=corpus_text_field,
        allow_empty=True,  # a source with fewer records than shards: reported, not an error


rule build_mixture:
    """Sample documents by share/weight and ratio from the tokenised corpora into an index.

    The index (one row per drawn document) reads the memory-mapped token files; nothing is
    packed, so memory follows documents, not tokens (scripts/langadapt/mixture.py).
    """
    input:
        unpack(mixture_token_files),
    output:
        index="results/mix/{lang}{corpuspart}/ratio={ratio}/tokens={tokens}/synth={synth}/index.npy",
        info="results/mix/{lang}{corpuspart}/ratio={ratio}/tokens={tokens}/synth={synth}/mix.json",
    log:
        "logs/build_mixture/{lang}{corpuspart}/ratio={ratio}/tokens={tokens}/synth={synth}.log",
    benchmark:
        "benchmarks/build_mixture/{lang}{corpuspart}/ratio={ratio}/tokens={tokens}/synth={synth}.tsv"
    params:
        corpora=mixture_corpora,
        mixing_ratio=lambda wildcards: float(wildcards.ratio),
        token_budget=lambda wildcards: grids.parse_token_count(wildcards.tokens),
        synthetic_weight=lambda wildcards: float(wildcards.synth),
        real_weight=config["mixture"]["real_weight"],
        target_shares=config["mixture"]["target_shares"],
        seq_len=config["mixture"]["seq_len"],
        seed=config["mixture"]["seed"],
    threads: 1
    priority: TRAINING_CHAIN_PRIORITY
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        "../envs/synthetic.yaml"
    script:
        "../scripts/build_mixture.py"
