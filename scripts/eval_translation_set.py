"""Rule eval_translation_set: translation test pairs (held-out split or evaluation.test_set)."""

from langadapt.eval.data import build_translation_set
from langadapt.logs import log_to

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    build_translation_set(
        snakemake.input.test,  # noqa: F821
        snakemake.output.pairs,  # noqa: F821
        snakemake.params.evaluation,  # noqa: F821
        seed=snakemake.params.seed,  # noqa: F821
    )
