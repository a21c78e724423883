"""Rule paper_vocabulary: fertility, bpc and throughput table + figure, base vs extended."""

from pathlib import Path

from langadapt.logs import log_to
from langadapt.paper.vocabulary import vocabulary_frame, write_vocabulary_outputs

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    frame = vocabulary_frame(
        snakemake.params.checkpoints,  # noqa: F821
        snakemake.params.tokenizers,  # noqa: F821
        snakemake.input.test,  # noqa: F821
        snakemake.params.metrics,  # noqa: F821
        snakemake.params.throughput,  # noqa: F821
    )
    write_vocabulary_outputs(
        frame,
        Path(snakemake.output.md).with_suffix(""),  # noqa: F821
        Path(snakemake.output.png).with_suffix(""),  # noqa: F821
        snakemake.params.lang,  # noqa: F821
        snakemake.params.language_name,  # noqa: F821
    )
