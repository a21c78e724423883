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
