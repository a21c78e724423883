# The base model every stage starts from, materialised once as a safetensors directory.


rule prepare_base_model:
    output:
        model=directory("results/models/base"),
    log:
        "logs/prepare_base_model.log",
    benchmark:
        "benchmarks/prepare_base_model.tsv"
    params:
        spec=config["base_model"],
    threads: 2
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        "../envs/train.yaml"
    script:
        "../scripts/prepare_base_model.py"


# An outside reference model (evaluation.reference_models), materialised like the base model
# and evaluated as checkpoint reference/<name>: a reference row in the tables, never an arm.
rule prepare_reference_model:
    output:
        model=directory("results/models/reference/{reference}"),
    log:
        "logs/prepare_reference_model/{reference}.log",
    benchmark:
        "benchmarks/prepare_reference_model/{reference}.tsv"
    params:
        entries=reference_model_entry,
    threads: 2
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        "../envs/train.yaml"
    script:
        "../scripts/prepare_reference_model.py"
