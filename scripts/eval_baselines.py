"""Rule eval_baselines: trivial baselines as pseudo-checkpoints baseline/<name>."""

from langadapt.eval.baselines import write_baselines
from langadapt.logs import log_to

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    inputs = snakemake.input  # noqa: F821
    written = write_baselines(
        snakemake.output.baselines,  # noqa: F821
        snakemake.wildcards.lang,  # noqa: F821
        inputs.pairs,
        inputs.pairs_ood[0] if inputs.pairs_ood else None,
        inputs.instructions,
        inputs.choices,
    )
    print("\n".join(str(path) for path in written))
