"""Rule build_mixture: tokenised corpora -> index.npy + mix.json of one mixture cell."""

from langadapt.logs import log_to
from langadapt.mixture import build_mixture


def as_list(files) -> list[str]:
    """A named input as a list of paths (one per shard)."""
    return [files] if isinstance(files, str) else list(files)


with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    corpora = snakemake.params.corpora  # noqa: F821
    build_mixture(
        token_files={name: as_list(snakemake.input[name]) for name in corpora},  # noqa: F821
        stats_files={
            name: as_list(snakemake.input[f"{name}_stats"]) for name in corpora  # noqa: F821
        },
        out_index=snakemake.output.index,  # noqa: F821
        out_json=snakemake.output.info,  # noqa: F821
        mixing_ratio=snakemake.params.mixing_ratio,  # noqa: F821
        token_budget=snakemake.params.token_budget,  # noqa: F821
        synthetic_weight=snakemake.params.synthetic_weight,  # noqa: F821
        real_weight=snakemake.params.real_weight,  # noqa: F821
        seq_len=snakemake.params.seq_len,  # noqa: F821
        seed=snakemake.params.seed,  # noqa: F821
        target_shares=snakemake.params.target_shares,  # noqa: F821
    )
