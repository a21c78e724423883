"""JSONL / JSON reading and writing with errors that name the file and line."""

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from langadapt.errors import file_error


def read_jsonl(path) -> Iterator[dict]:
    """Yield one dict per non-empty line of the UTF-8 JSONL file ``path``."""
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise file_error(path, f"not valid JSON ({error.msg})", number) from None
            if not isinstance(record, dict):
                raise file_error(path, "expected a JSON object", number)
            yield record


def write_jsonl(path, records: Iterable[dict]) -> int:
    """Write ``records`` to ``path`` (parents created); return how many were written."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with open(path, "w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    return count


def write_json(path, data: dict) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, indent=2, sort_keys=False)
        handle.write("\n")


def read_json(path) -> dict:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)
