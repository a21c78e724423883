"""Rule paper_loss_curves: training loss per stage from train_log.csv files, and dev loss from
the eval_log.csv the same training jobs write beside them."""

from langadapt.logs import log_to
from langadapt.paper.figures import loss_curves_figure

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    loss_curves_figure(snakemake.params.logs, snakemake.output.pdf[: -len(".pdf")])  # noqa: F821
