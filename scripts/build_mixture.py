"""Rule build_mixture: tokenised corpora -> packed.npy [n, seq_len] + mix.json for one cell."""

from langadapt.logs import log_to
from langadapt.mixture import build_mixture

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    corpora = snakemake.params.corpora  # noqa: F821
    build_mixture(
        token_files={name: snakemake.input[name] for name in corpora},  # noqa: F821
        stats_files={name: snakemake.input[f"{name}_stats"] for name in corpora},  # noqa: F821
        out_npy=snakemake.output.packed,  # noqa: F821
        out_json=snakemake.output.info,  # noqa: F821
        mixing_ratio=snakemake.params.mixing_ratio,  # noqa: F821
        token_budget=snakemake.params.token_budget,  # noqa: F821
        synthetic_weight=snakemake.params.synthetic_weight,  # noqa: F821
        real_weight=snakemake.params.real_weight,  # noqa: F821
        seq_len=snakemake.params.seq_len,  # noqa: F821
        seed=snakemake.params.seed,  # noqa: F821
    )
