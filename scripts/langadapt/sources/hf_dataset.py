"""Datasets through ``datasets.load_dataset``: hub ids, builder names with local files, local dirs.

The same call serves the hub (``repo: HiTZ/latxa-corpus-v1.1``, pin ``revision``) and local
files (``repo: json`` or ``parquet`` with ``data_files``, or a directory of data files). Rows
are streamed, so ``max_rows`` reads only what it keeps. A directory written by
``Dataset.save_to_disk`` is the one case ``load_dataset`` refuses; it is read with
``load_from_disk`` instead. Offline runs need ``HF_DATASETS_OFFLINE=1`` and local data.
"""

from itertools import islice
from pathlib import Path

import datasets

from langadapt.errors import config_error
from langadapt.sources.rows import rows_to_records


def open_rows(source: dict, config_key: str = "sources"):
    """An iterable of row dicts for the configured dataset split."""
    repo = source["repo"]
    local = Path(repo)
    try:
        if local.is_dir() and (local / "state.json").is_file():
            return datasets.load_from_disk(str(local))
        if local.is_dir() and (local / "dataset_dict.json").is_file():
            return datasets.load_from_disk(str(local))[source["split"]]
        return datasets.load_dataset(
            repo,
            source.get("config_name"),
            split=source["split"],
            revision=source.get("revision"),
            data_files=source.get("data_files"),
            streaming=True,
        )
    except (FileNotFoundError, ValueError, KeyError) as error:
        raise config_error(
            f"{config_key}.repo",
            f"cannot load dataset '{repo}' (split {source['split']!r}): {error}",
        ) from error


def load(source: dict, lang: str, config_key: str = "sources") -> list[dict]:
    """Records of an ``hf_dataset`` source (at most ``max_rows``)."""
    rows = open_rows(source, config_key)
    if source.get("max_rows"):
        rows = islice(rows, source["max_rows"])
    numbered = enumerate(rows, start=1)
    where = f"dataset {source['repo']} split {source['split']} row"
    return list(
        rows_to_records(numbered, source, lang, config_key, lambda number: f"{where} {number}")
    )
