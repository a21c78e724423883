"""Rule eval_merge: flatten the suites of one checkpoint into metrics.json."""

from langadapt.eval.suites import merge_metrics
from langadapt.logs import log_to

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    suites = ("bpc", "translation", "lm_eval", "instructions")
    merge_metrics(
        {name: snakemake.input[name] for name in suites},  # noqa: F821
        snakemake.wildcards.checkpoint,  # noqa: F821
        snakemake.wildcards.lang,  # noqa: F821
        snakemake.output.metrics,  # noqa: F821
    )
