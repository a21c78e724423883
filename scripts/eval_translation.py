"""Rule eval_translation: greedy en->xx / xx->en, BLEU + chrF++, paired bootstrap vs base."""

from langadapt.eval.suites import run_translation
from langadapt.logs import log_to

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    run_translation(
        snakemake.input.model,  # noqa: F821
        snakemake.wildcards.checkpoint,  # noqa: F821
        snakemake.input.pairs,  # noqa: F821
        snakemake.output.result,  # noqa: F821
        snakemake.params.language_name,  # noqa: F821
        max_new_tokens=snakemake.params.max_new_tokens,  # noqa: F821
        batch_size=snakemake.params.batch_size,  # noqa: F821
        baseline_path=snakemake.input.base or None,  # noqa: F821
        resamples=snakemake.params.resamples,  # noqa: F821
        threads=snakemake.threads,  # noqa: F821
    )
