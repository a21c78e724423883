# Data stage: sources -> one cached JSONL per source -> cleaned train/dev/test -> data card.
from langadapt.config import config_hash

# Config sections that decide the data (and so the data card); grids and recipes do not.
DATA_CONFIG_KEYS = ("language", "sources", "split", "synthetic", "base_model")



wildcard_constraints:
    # A Debian package name; the lookahead stops `<package>.json` from matching the directory.
    package=r"[a-z0-9][a-z0-9+-]*(?:\.(?!json$)[a-z0-9+-]+)*",
    source="[A-Za-z0-9_-]+",


# Under SLURM the download runs on the login node: compute nodes often have no network.
localrules:
    fetch_debian_package,


# Extract a Debian package (LibreOffice help) without installing it. Works as non-root too.
rule fetch_debian_package:
    output:
        tree=directory("results/data/debian/{package}"),
        metadata="results/data/debian/{package}.json",
    log:
        "logs/fetch_debian_package/{package}.log",
    benchmark:
        "benchmarks/fetch_debian_package/{package}.tsv"
    resources:
        runtime=10,
    conda:
        "../envs/data.yaml"
    script:
        "../scripts/fetch_debian_package.py"


# One rule for every source type: the type only changes what the input function returns
# (Debian trees or local files), and one rule keeps one path and one log per source.
rule load_source:
    input:
        unpack(source_inputs),
    output:
        "results/data/{lang}/sources/{source}.jsonl",
    params:
        source=source_params,
    log:
        "logs/load_source/{lang}/{source}.log",
    benchmark:
        "benchmarks/load_source/{lang}/{source}.tsv"
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        "../envs/data.yaml"
    script:
        "../scripts/load_source.py"


rule clean_and_split:
    input:
        unpack(source_files),
    output:
        train="results/data/{lang}/clean/train.jsonl",
        dev="results/data/{lang}/clean/dev.jsonl",
        test="results/data/{lang}/clean/test.jsonl",
        report="results/data/{lang}/clean/report.json",
    params:
        split=config["split"],
    log:
        "logs/clean_and_split/{lang}.log",
    benchmark:
        "benchmarks/clean_and_split/{lang}.tsv"
    resources:
        mem_mb=4000,
        runtime=20,
    conda:
        "../envs/data.yaml"
    script:
        "../scripts/clean_and_split.py"


rule data_card:
    input:
        unpack(data_card_inputs),
    output:
        json="results/data/{lang}/card.json",
        markdown="results/data/{lang}/card.md",
    params:
        # Hash of the config sections the card describes: a new grid cell does not rerun it.
        config_hash=config_hash({key: config[key] for key in DATA_CONFIG_KEYS}),
    log:
        "logs/data_card/{lang}.log",
    benchmark:
        "benchmarks/data_card/{lang}.tsv"
    resources:
        mem_mb=4000,
        runtime=20,
    conda:
        "../envs/data.yaml"
    script:
        "../scripts/data_card.py"


# Plan-time feasibility: requested sizes against the parallel sources, before any large source
# loads (their load_source jobs wait for it) or any model trains. langadapt.feasibility.
rule plan_check:
    input:
        unpack(plan_check_inputs),
    output:
        "results/data/{lang}/plan_check.json",
    log:
        "logs/plan_check/{lang}.log",
    benchmark:
        "benchmarks/plan_check/{lang}.tsv"
    params:
        # what the check compares: a change of a requested size reruns it (params trigger)
        requested=plan_requests(),
    priority: 100  # first: a config that asks for too much stops before the long jobs
    resources:
        mem_mb=4000,
        runtime=20,
    conda:
        "../envs/data.yaml"
    script:
        "../scripts/plan_check.py"
