"""Rule paper_languages: the cross-language table (languages.md, languages.csv)."""

from langadapt.logs import log_to
from langadapt.paper.languages import write_cross_language_table

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    codes = list(snakemake.params.languages)  # noqa: F821 (input order: one metrics.csv a code)
    write_cross_language_table(
        dict(zip(codes, snakemake.input, strict=True)),  # noqa: F821
        snakemake.params.languages,  # noqa: F821
        snakemake.output.md,  # noqa: F821
        snakemake.output.csv,  # noqa: F821
    )
