"""Text preparation shared by the MT backends."""

import re

_TAG = re.compile(r"<[^<>]{0,200}>")
_SPACE = re.compile(r"\s+")


def clean_line(line: str) -> str:
    """Plain one-line text: drop inline markup tags, fold newlines/tabs/runs of spaces."""
    return _SPACE.sub(" ", _TAG.sub(" ", line or "")).strip()


def batches(items: list, size: int):
    """Consecutive slices of ``items`` of at most ``size`` elements."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
