"""Rule paper_comparisons: every comparison of the tables (checkpoint: approximate randomisation;
recipe: two-level test over seeds and items), Holm per table."""

from langadapt.logs import log_to
from langadapt.paper.comparisons import write_comparisons

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    params = snakemake.params  # noqa: F821
    write_comparisons(snakemake.input.metrics, params.suites, snakemake.input.pairs,  # noqa: F821
                      snakemake.output.csv, params.lang, params.resamples, params.level,  # noqa: F821
                      params.tuning_vs_cpt)
