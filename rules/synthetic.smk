# rules for stage: synthetic — machine translation, quality filtering, transliteration.
# Files: docs/contract.md (results/data/{lang}/synthetic/).

if config["synthetic"]["translation"]["enabled"]:

    rule translate_english:
        """Translate English text (synthetic.translation.english_source) document by document."""
        input:
            train=translation_input,
        output:
            jsonl="results/data/{lang}/synthetic/mt.jsonl",
            provenance="results/data/{lang}/synthetic/mt.provenance.json",
        log:
            "logs/translate_english/{lang}.log",
        benchmark:
            "benchmarks/translate_english/{lang}.tsv"
        params:
            translation=config["synthetic"]["translation"],
        threads: 1
        priority: TRAINING_CHAIN_PRIORITY
        resources:
            mem_mb=4000,
            runtime=120,
        conda:
            "../envs/synthetic.yaml"
        script:
            "../scripts/translate_english.py"

    rule filter_synthetic:
        """Length-ratio, exact and near-duplicate, and perplexity filters over the MT output."""
        input:
            jsonl="results/data/{lang}/synthetic/mt.jsonl",
            model=perplexity_model_dir(),
        output:
            jsonl="results/data/{lang}/synthetic/mt.filtered.jsonl",
            report="results/data/{lang}/synthetic/mt.filter_report.json",
        log:
            "logs/filter_synthetic/{lang}.log",
        benchmark:
            "benchmarks/filter_synthetic/{lang}.tsv"
        params:
            filters=config["synthetic"]["filters"],
        threads: 4
        priority: TRAINING_CHAIN_PRIORITY
        resources:
            mem_mb=6000,
            runtime=60,
        conda:
            "../envs/synthetic.yaml"
        script:
            "../scripts/filter_synthetic.py"


if config["synthetic"]["transliteration"]["enabled"]:

    rule transliterate:
        """Romanise Devanagari target text: the clean train split (translit) or the mt corpus
        (translit_mt), as synthetic.transliteration.corpora lists them."""
        input:
            train=translit_input,
        output:
            jsonl="results/data/{lang}/synthetic/{corpus}.jsonl",
        log:
            "logs/transliterate/{lang}/{corpus}.log",
        benchmark:
            "benchmarks/transliterate/{lang}/{corpus}.tsv"
        wildcard_constraints:
            corpus="translit|translit_mt",
        params:
            scheme=config["synthetic"]["transliteration"]["scheme"],
        threads: 1
        resources:
            mem_mb=2000,
            runtime=30,
        conda:
            "../envs/synthetic.yaml"
        script:
            "../scripts/transliterate.py"

    use rule transliterate as transliterate_shard with:
        input:
            train=translit_shard_input,
        output:
            jsonl="results/data/{lang}/shards/{corpus}/{shard}-of-{shards}.jsonl",
        log:
            "logs/transliterate/{lang}/{corpus}/{shard}-of-{shards}.log",
        benchmark:
            "benchmarks/transliterate/{lang}/{corpus}/{shard}-of-{shards}.tsv"
