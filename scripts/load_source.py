"""Rule load_source: read one configured source and cache it as JSONL."""

# ruff: noqa: F821  (snakemake is injected by the script directive)
import sys

sys.stderr = open(snakemake.log[0], "w")

from langadapt.sources import write_source  # noqa: E402

source = snakemake.params.source
package_dirs = {}
if source["type"] == "libreoffice_help":
    package_dirs = {
        source["package"]: snakemake.input.package,
        source["english_package"]: snakemake.input.english_package,
    }
count = write_source(
    snakemake.config,
    source["name"],
    snakemake.wildcards.lang,
    snakemake.output[0],
    package_dirs,
)
print(f"{source['name']}: {count} records", file=sys.stderr)
