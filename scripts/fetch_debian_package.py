"""Rule fetch_debian_package: extract a Debian package and record its version and sha256."""

# ruff: noqa: F821  (snakemake is injected by the script directive)
import sys

sys.stderr = open(snakemake.log[0], "w")

from langadapt.sources.debian import fetch_package  # noqa: E402

package = snakemake.wildcards.package
keys = [
    f"sources[{index}].{key}"
    for index, source in enumerate(snakemake.config["sources"])
    for key in ("package", "english_package")
    if source.get(key) == package
] + [
    f"evaluation.out_of_domain.{key}"
    for key in ("package", "english_package")
    if snakemake.config["evaluation"]["out_of_domain"].get(key) == package
]
metadata = fetch_package(
    package, snakemake.output.tree, snakemake.output.metadata, keys[0] if keys else "sources"
)
print(metadata, file=sys.stderr)
