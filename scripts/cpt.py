"""Rule cpt: continual pre-training of one CPT grid cell (rules/cpt.smk)."""

from pathlib import Path

from langadapt.logs import log_to
from langadapt.train.launch import launch

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    launch(
        "cpt",
        params={
            "mixture": snakemake.input.mixture,  # noqa: F821
            "base_model": snakemake.input.model,  # noqa: F821
            "out_dir": str(Path(snakemake.output.recipe).parent),  # noqa: F821
            "checkpoint_dir": snakemake.params.checkpoint_dir,  # noqa: F821
            "recipe": dict(snakemake.params.recipe),  # noqa: F821
            "seed": int(snakemake.wildcards.seed),  # noqa: F821
            "epochs": snakemake.params.epochs,  # noqa: F821
        },
        gpus=snakemake.params.gpus,  # noqa: F821
        deepspeed=snakemake.params.deepspeed,  # noqa: F821
        threads=snakemake.threads,  # noqa: F821
        nodes=snakemake.resources.get("nodes", 1),  # noqa: F821 (>1: srun, one launcher a node)
    )
