"""Read and write the pipeline's text files: UTF-8 lines, JSONL, JSON — strictly and atomically.

Reading is strict where silence would corrupt data (invalid UTF-8, malformed JSON: the error
names file and line) and forgiving where the intent is clear (a byte-order mark is dropped,
CRLF / CR / LF line endings are all accepted, even mixed in one file). Writing goes through a
temporary file in the target directory and a rename, so a failed job never leaves a half-written
output and never clobbers the previous good one.
"""

import contextlib
import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path

from langadapt.errors import file_error

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_SPACE = re.compile(r"\s+")


def normalize_text(text: str | None) -> str:
    """NFC, every run of whitespace (incl. NBSP, tabs, newlines) -> one space, stripped."""
    if text is None:
        return ""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def decode_utf8(data: bytes, path) -> str:
    """Decode ``data`` as UTF-8 (dropping a BOM); the error names the line of a bad byte."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        bad = data[error.start : error.end].hex(" ")
        raise file_error(
            path, f"invalid UTF-8 (byte {bad}); re-encode the file as UTF-8", line
        ) from None
    return text.removeprefix("\ufeff")


def read_lines(path) -> list[str]:
    """Lines of a UTF-8 text file without line terminators (CRLF, CR and LF all end a line)."""
    text = decode_utf8(Path(path).read_bytes(), path)
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def iter_jsonl(path) -> Iterator[tuple[int, dict]]:
    """(1-based line number, object) for every non-blank line of a JSONL file."""
    for number, line in enumerate(read_lines(path), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise file_error(
                path, f"malformed JSON line ({error.msg} at column {error.colno})", number
            ) from None
        if not isinstance(record, dict):
            raise file_error(path, f"expected a JSON object, got {type(record).__name__}", number)
        yield number, record


def read_jsonl(path) -> list[dict]:
    """All objects of a JSONL file (see ``iter_jsonl`` for the errors)."""
    return [record for _, record in iter_jsonl(path)]


def read_json(path) -> dict:
    text = decode_utf8(Path(path).read_bytes(), path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise file_error(path, f"malformed JSON ({error.msg})", error.lineno) from None


@contextlib.contextmanager
def atomic_path(path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; renamed onto ``path`` if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    temporary = Path(temporary)
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def write_jsonl(path, records: Iterable[dict]) -> int:
    """Write ``records`` as UTF-8 JSONL atomically; return the number written."""
    count = 0
    with (
        atomic_path(path) as temporary,
        open(temporary, "w", encoding="utf-8", newline="\n") as out,
    ):
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    return count


def write_json(path, data) -> None:
    with atomic_path(path) as temporary:
        temporary.write_text(
            json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )


def write_text(path, text: str) -> None:
    with atomic_path(path) as temporary:
        temporary.write_text(text, encoding="utf-8")
