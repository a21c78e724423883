# rules for stage: mix — tokenise each corpus once, then sample and pack one mixture per cell.
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
    threads: 2
    priority: TRAINING_CHAIN_PRIORITY
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        "../envs/synthetic.yaml"
    script:
        "../scripts/tokenize_corpus.py"


rule build_mixture:
    """Sample documents by weight and ratio from the tokenised corpora; pack [n, seq_len]."""
    input:
        unpack(mixture_token_files),
    output:
        packed="results/mix/{lang}{corpuspart}/ratio={ratio}/tokens={tokens}/synth={synth}/packed.npy",
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
