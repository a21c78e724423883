"""Rule cpt: continual pre-training of one CPT grid cell (rules/cpt.smk)."""

from pathlib import Path

from langadapt.logs import log_to
from langadapt.train.launch import launch
from langadapt.train.tracking import with_tracking

OUT_DIR = str(Path(snakemake.output.recipe).parent)  # noqa: F821 (injected by Snakemake)
# tracking comes from the config, not a param: turning it on reruns nothing
TRACKING = snakemake.config.get("tracking") or {}  # noqa: F821
DEV = snakemake.input.get("dev") or None  # noqa: F821 (tracking.eval_steps > 0)

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    launch(
        "cpt",
        params={
            "mixture": snakemake.input.mixture,  # noqa: F821
            "base_model": snakemake.input.model,  # noqa: F821
            "out_dir": OUT_DIR,
            "checkpoint_dir": snakemake.params.checkpoint_dir,  # noqa: F821
            "recipe": with_tracking(
                dict(snakemake.params.recipe), TRACKING, OUT_DIR, evaluates=bool(DEV)  # noqa: F821
            ),
            "dev": DEV,
            "eval_sequences": TRACKING.get("eval_sequences", 16),
            "seed": int(snakemake.wildcards.seed),  # noqa: F821
            "epochs": snakemake.params.epochs,  # noqa: F821
        },
        gpus=snakemake.params.gpus,  # noqa: F821
        deepspeed=snakemake.params.deepspeed,  # noqa: F821
        threads=snakemake.threads,  # noqa: F821
        nodes=snakemake.resources.get("nodes", 1),  # noqa: F821 (>1: srun, one launcher a node)
    )
