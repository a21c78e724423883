"""Rule paper_figures: forgetting trade-off and translation scaling figures (PDF + PNG)."""

from langadapt.logs import log_to
from langadapt.paper.aggregate import read_metrics_csv, wide
from langadapt.paper.baselines import baseline_floor
from langadapt.paper.figures import forgetting_figure, scaling_figure
from langadapt.textio import read_json

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    output = snakemake.output  # noqa: F821
    table = wide(read_metrics_csv(snakemake.input.metrics))  # noqa: F821
    forgetting_figure(table, output.forgetting_pdf[: -len(".pdf")],
                      snakemake.params.language_name)  # noqa: F821
    scaling = read_json(snakemake.input.scaling)  # noqa: F821
    floors = {metric: baseline_floor(table, metric) for metric in scaling["fits"]}
    scaling_figure(scaling, output.scaling_pdf[: -len(".pdf")], snakemake.params.lang,  # noqa: F821
                   {metric: floor for metric, floor in floors.items() if floor})
