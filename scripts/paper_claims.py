"""Rule paper_claims: claims.md (C1-C7: primary endpoint, effect, interval, p, verdict, power)."""

from langadapt.logs import log_to
from langadapt.paper.claims import write_claims

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    params = snakemake.params  # noqa: F821
    write_claims(snakemake.input.metrics, snakemake.input.comparisons,  # noqa: F821
                 snakemake.input.scaling, snakemake.output.md, params.run,  # noqa: F821
                 params.language_name, params.endpoints, params.level, params.scaling_metric,
                 params.note, params.disclosure)
