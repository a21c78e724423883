"""Devanagari -> Roman script transliteration (Nemotron-Mini-Hindi synthetic data).

Uses ``indic-transliteration`` (sanscript). Characters outside Devanagari (Latin words,
digits, placeholders such as ``%PRODUCTNAME``) pass through unchanged.
"""

from indic_transliteration import sanscript

from langadapt.errors import config_error
from langadapt.progress import progress

SCHEMES = {"itrans": sanscript.ITRANS, "iast": sanscript.IAST, "optitrans": sanscript.OPTITRANS}


def _scheme(name: str) -> str:
    if name not in SCHEMES:
        raise config_error(
            "synthetic.transliteration.scheme", f"{name!r} is not one of {', '.join(SCHEMES)}"
        )
    return SCHEMES[name]


def transliterate(text: str, scheme: str = "itrans") -> str:
    """Romanise the Devanagari in ``text`` with ``scheme`` (itrans, iast, optitrans)."""
    return sanscript.transliterate(text, sanscript.DEVANAGARI, _scheme(scheme))


def transliterate_lines(lines: list[str], scheme: str = "itrans") -> list[str]:
    target = _scheme(scheme)
    lines = progress(lines, "transliterate", len(lines), "lines")
    return [sanscript.transliterate(line, sanscript.DEVANAGARI, target) for line in lines]


def has_devanagari(text: str) -> bool:
    return any("\u0900" <= char <= "\u097f" for char in text)
