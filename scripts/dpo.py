"""Rule dpo: DPO (LoRA or full, dpo.method) of one SFT cell (rules/dpo.smk)."""

from pathlib import Path

from langadapt.logs import log_to
from langadapt.train.launch import launch
from langadapt.train.tracking import with_tracking

OUT_DIR = str(Path(snakemake.output.recipe).parent)  # noqa: F821 (injected by Snakemake)
# tracking comes from the config, not a param: turning it on reruns nothing
TRACKING = snakemake.config.get("tracking") or {}  # noqa: F821

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    launch(
        "dpo",
        params={
            "preferences": snakemake.input.preferences,  # noqa: F821
            "model_dir": snakemake.input.model,  # noqa: F821
            "out_dir": OUT_DIR,
            "checkpoint_dir": snakemake.params.checkpoint_dir,  # noqa: F821
            "recipe": with_tracking(dict(snakemake.params.recipe), TRACKING, OUT_DIR),  # noqa: F821
            "seed": int(snakemake.wildcards.seed),  # noqa: F821
            "method": snakemake.params.method,  # noqa: F821
        },
        gpus=snakemake.params.gpus,  # noqa: F821
        deepspeed=snakemake.params.deepspeed,  # noqa: F821
        threads=snakemake.threads,  # noqa: F821
        nodes=snakemake.resources.get("nodes", 1),  # noqa: F821 (>1: srun, one launcher a node)
    )
