"""Rule paper_layer_alignment: per-layer similarity of parallel sentences, JSON and figure."""

from pathlib import Path

from langadapt.logs import log_to
from langadapt.paper.layer_alignment import layer_alignment_figure, write_layer_alignment

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    result = write_layer_alignment(
        dict(snakemake.params.models),  # noqa: F821
        snakemake.input.pairs,  # noqa: F821
        snakemake.output.json,  # noqa: F821
        int(snakemake.params.pairs),  # noqa: F821
        dtype=snakemake.params.dtype,  # noqa: F821
    )
    layer_alignment_figure(result, Path(snakemake.output.pdf).with_suffix(""),  # noqa: F821
                           snakemake.params.language_name)  # noqa: F821
