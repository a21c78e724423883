"""Rule shard_corpus: one corpus JSONL -> one contiguous shard of it (langadapt.shards)."""

from langadapt.logs import log_to
from langadapt.shards import write_shard

with log_to(snakemake.log[0]):  # noqa: F821 (injected by Snakemake)
    write_shard(
        snakemake.input.text,  # noqa: F821
        snakemake.output.jsonl,  # noqa: F821
        int(snakemake.wildcards.shard),  # noqa: F821
        int(snakemake.wildcards.shards),  # noqa: F821
    )
