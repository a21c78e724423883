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

    rule sample_english:
        """The seeded sample of English records to translate, sharded for translation when the
        English source has shards > 1 (rule shard_corpus, corpus mt_source)."""
        input:
            train=translation_input,
        output:
            jsonl="results/data/{lang}/synthetic/mt.source.jsonl",
        log:
            "logs/sample_english/{lang}.log",
        benchmark:
            "benchmarks/sample_english/{lang}.tsv"
        params:
            translation=config["synthetic"]["translation"],
        threads: 1
        resources:
            mem_mb=4000,
            runtime=60,
        conda:
            "../envs/synthetic.yaml"
        script:
            "../scripts/sample_english.py"

    use rule translate_english as translate_english_shard with:
        input:
            train="results/data/{lang}/shards/mt_source/{shard}-of-{shards}.jsonl",
        output:
            jsonl="results/data/{lang}/shards/mt_raw/{shard}-of-{shards}.jsonl",
            provenance="results/data/{lang}/shards/mt_raw/{shard}-of-{shards}.provenance.json",
        log:
            "logs/translate_english/{lang}/{shard}-of-{shards}.log",
        benchmark:
            "benchmarks/translate_english/{lang}/{shard}-of-{shards}.tsv"
        params:
            translation={**config["synthetic"]["translation"], "max_sentences": None},
        resources:
            mem_mb=8000,
            runtime=240,
            gpu=translation_gpus(),  # neural MT: one GPU a shard; Apertium: CPU

    rule filter_synthetic:
        """Length-ratio, exact and near-duplicate, and perplexity filters over the MT output
        (every translated shard: duplicates and the perplexity cut need all of them)."""
        input:
            jsonl=mt_translation_files,
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
