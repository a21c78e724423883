"""Rule paper_publish: copy this run's Markdown tables, PNG figures and claims to docs/{run}/."""

import shutil
from pathlib import Path

from langadapt.logs import log_to

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    for source in snakemake.input:  # noqa: F821
        target = next(out for out in snakemake.output  # noqa: F821
                      if Path(out).name == Path(source).name)
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        print(f"{source} -> {target}")
