"""langadapt: adapt causal language models to low-resource languages.

Plain, importable library behind the Snakemake rules in ``rules/``; nothing here imports
Snakemake. Scripts in ``scripts/`` read ``snakemake.input``/``params`` and call into it.
"""

__version__ = "0.1.0"
