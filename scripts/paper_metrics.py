"""Rule paper_metrics: tidy metrics.csv (checkpoint x metric, grid coordinates as columns),
the baselines (pseudo-checkpoints baseline/<name>) included."""

from langadapt.eval.baselines import baseline_metrics_files
from langadapt.logs import log_to
from langadapt.paper.aggregate import write_metrics_csv

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    write_metrics_csv(
        [*snakemake.input.metrics,  # noqa: F821
         *baseline_metrics_files(snakemake.input.baselines)],  # noqa: F821
        snakemake.output[0],  # noqa: F821
        manual_sheets=snakemake.params.manual,  # noqa: F821
        cpt_cell=snakemake.params.cpt_cell,  # noqa: F821
        mixtures=snakemake.params.mixtures,  # noqa: F821
        train_logs=snakemake.params.train_logs,  # noqa: F821
        direction=snakemake.params.translation_direction,  # noqa: F821
    )
