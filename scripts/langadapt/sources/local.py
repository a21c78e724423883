"""Local files: plain text (.txt, monolingual or line-aligned parallel), JSONL and Parquet.

Relative paths resolve against the working directory (the Snakemake workdir). Text files may
carry a byte-order mark and CRLF/LF line endings (normalised). A monolingual text file gives
one record per non-blank line; a parallel pair (``path`` = target side, ``english_path`` =
English side) must have the same number of lines (``format: text`` reads files of any suffix
as text: Moses/OPUS pairs ``corpus.en`` + ``corpus.gl``), and a line left empty on one side is kept
here and dropped, with a count, by the cleaning stage. Record ids are ``<source>:<line>``.
"""

from pathlib import Path

import pyarrow.parquet as pq

from langadapt.errors import config_error, file_error
from langadapt.sources.rows import block_group, rows_to_records
from langadapt.textio import iter_jsonl, read_lines

TEXT_SUFFIXES = {".txt", ".text"}


def _text_records(source: dict, path: Path, config_key: str) -> list[dict]:
    name = source["name"]
    target_lines = read_lines(path)
    if not source.get("english_path"):
        return [
            {
                "id": f"{name}:{number}",
                "group": block_group(name, number),
                "en": None,
                "target": line,
            }
            for number, line in enumerate(target_lines, start=1)
            if line.strip()
        ]
    english_path = Path(source["english_path"])
    if not english_path.is_file():
        raise config_error(f"{config_key}.english_path", f"file not found: {english_path}")
    english_lines = read_lines(english_path)
    if len(english_lines) != len(target_lines):
        raise file_error(
            path,
            f"parallel files differ in length: {len(target_lines)} lines here, "
            f"{len(english_lines)} in {english_path} (config key '{config_key}.english_path')",
        )
    return [
        {
            "id": f"{name}:{number}",
            "group": block_group(name, number),
            "en": english,
            "target": target,
        }
        for number, (english, target) in enumerate(
            zip(english_lines, target_lines, strict=True), start=1
        )
    ]


FORMATS = {"text": TEXT_SUFFIXES, "jsonl": {".jsonl"}, "parquet": {".parquet"}}


def file_format(source: dict, path: Path, config_key: str) -> str:
    """``format`` from the config, else from the suffix (``auto``)."""
    chosen = source.get("format") or "auto"
    if chosen != "auto":
        return chosen
    suffix = path.suffix.lower()
    for name, suffixes in FORMATS.items():
        if suffix in suffixes:
            return name
    raise config_error(
        f"{config_key}.path",
        f"{path}: unsupported file type '{suffix}' (use .txt, .jsonl or .parquet, or set "
        f"{config_key}.format: text for line-aligned files such as Moses/OPUS corpus.en + "
        "corpus.gl)",
    )


def load(source: dict, lang: str, config_key: str = "sources") -> list[dict]:
    """Records of a ``local`` source."""
    path = Path(source["path"])
    if not path.is_file():
        raise config_error(f"{config_key}.path", f"file not found: {path}")
    kind = file_format(source, path, config_key)
    if kind == "text":
        return _text_records(source, path, config_key)
    if kind == "jsonl":
        rows = iter_jsonl(path)
        return list(
            rows_to_records(rows, source, lang, config_key, lambda number: f"{path}:{number}")
        )
    table = pq.read_table(path).to_pylist()
    rows = enumerate(table, start=1)
    return list(
        rows_to_records(rows, source, lang, config_key, lambda number: f"{path} row {number}")
    )
