"""Rule eval_out_of_domain: aligned out-of-domain held-out text from two extracted packages."""

from langadapt.logs import log_to
from langadapt.sources.mozilla_l10n import load_out_of_domain
from langadapt.textio import write_json, write_jsonl

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    built = load_out_of_domain(
        snakemake.input.package,  # noqa: F821
        snakemake.input.english_package,  # noqa: F821
        snakemake.params.spec,  # noqa: F821
        snakemake.params.language_code,  # noqa: F821
    )
    write_jsonl(snakemake.output.records, built["records"])  # noqa: F821
    write_json(snakemake.output.summary, built["summary"])  # noqa: F821
    print(built["summary"])
