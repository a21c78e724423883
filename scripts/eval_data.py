"""Rule eval_data: held-out bits-per-char documents, multiple-choice task and instructions."""

from pathlib import Path

from langadapt.eval.data import build_eval_data
from langadapt.logs import log_to

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    build_eval_data(
        snakemake.input.test,  # noqa: F821
        Path(snakemake.output.summary).parent,  # noqa: F821
        snakemake.params.evaluation,  # noqa: F821
        snakemake.params.language,  # noqa: F821
        seed=snakemake.params.seed,  # noqa: F821
        translation_path=snakemake.input.pairs,  # noqa: F821
        out_of_domain_path=snakemake.input.out_of_domain[0]  # noqa: F821
        if snakemake.input.out_of_domain else None,  # noqa: F821
    )
