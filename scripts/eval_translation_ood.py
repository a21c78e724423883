"""Rule eval_translation_ood: out-of-domain translation pairs (evaluation.out_of_domain)."""

from langadapt.eval.data import build_ood_translation_set
from langadapt.logs import log_to

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    print(build_ood_translation_set(
        snakemake.input.records,  # noqa: F821
        snakemake.output.pairs,  # noqa: F821
        snakemake.params.sentences,  # noqa: F821
        seed=snakemake.params.seed,  # noqa: F821
    ), "pairs")
