"""Rule paper_publish: copy this run's Markdown tables, PNG figures and claims to docs/{run}/
(several languages: the cross-language table to docs/{run}/languages.md)."""

import shutil
from pathlib import Path

from langadapt.logs import log_to

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    # With several languages, input.tables is copied; input.languages are each language's
    # already published files (docs/<run>/<code>/), inputs only.
    tables = getattr(snakemake.input, "tables", snakemake.input)  # noqa: F821
    for source in tables:
        target = next(out for out in snakemake.output  # noqa: F821
                      if Path(out).name == Path(source).name)
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        print(f"{source} -> {target}")
