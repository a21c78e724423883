"""Corpus shards: contiguous blocks of a JSONL corpus, each processed by its own job.

Shard ``i`` of ``n`` holds records ``[count * i // n, count * (i + 1) // n)`` in file order, so
the shards read one after another are the corpus: a mixture over a corpus's shards draws the
same documents as over the whole file (tests/test_workflow_synthetic.py compares them). An empty
shard (fewer records than shards) is allowed and reported by the stages that read it.
"""

import logging
from pathlib import Path

from langadapt.errors import LangadaptError

log = logging.getLogger(__name__)


def shard_label(shard: int, shards: int) -> str:
    """``{shard}-of-{shards}``, the path part of one shard."""
    if not 0 <= shard < shards:
        raise LangadaptError(f"shard {shard} is outside 0..{shards - 1}")
    return f"{shard}-of-{shards}"


def shard_range(count: int, shard: int, shards: int) -> range:
    """Record positions of shard ``shard`` of ``shards`` over ``count`` records."""
    shard_label(shard, shards)
    return range(count * shard // shards, count * (shard + 1) // shards)


def write_shard(in_path, out_path, shard: int, shards: int) -> dict:
    """Copy the non-blank lines of shard ``shard`` of ``in_path`` to ``out_path`` (streamed)."""
    with open(in_path, "rb") as handle:
        count = sum(1 for line in handle if line.strip())
    wanted = shard_range(count, shard, shards)
    Path(out_path).parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with open(in_path, "rb") as source, open(out_path, "wb") as out:
        position = 0
        for line in source:
            if not line.strip():
                continue
            if position in wanted:
                out.write(line if line.endswith(b"\n") else line + b"\n")
                written += 1
            position += 1
            if position >= wanted.stop:
                break
    if not written:
        log.warning("%s: empty shard (%d records over %d shards)", out_path, count, shards)
    return {"records": written, "corpus_records": count, "shard": shard, "shards": shards}
