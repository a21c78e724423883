"""Turn table rows (JSONL objects, Parquet / datasets rows) into source records by config columns.

A source names its columns in config: ``text_column`` (monolingual target text), or
``english_column`` + ``target_column`` (parallel), or ``translation_column`` (WMT-style
``{"en": ..., "<lang>": ...}`` dicts). ``group_column`` names the held-out split unit; without
it rows are grouped in blocks of ``GROUP_BLOCK`` consecutive rows, named ``<source>:<block>``.
"""

from collections.abc import Callable, Iterable, Iterator

from langadapt.errors import LangadaptError, config_error

GROUP_BLOCK = 100
ENGLISH_KEYS = ("en", "eng", "eng_Latn", "en-US")


def block_group(name: str, number: int) -> str:
    """Group of 1-based row ``number`` when a source has no group column."""
    return f"{name}:{(number - 1) // GROUP_BLOCK}"


def column_mode(source: dict, config_key: str) -> str:
    """``translation``, ``parallel`` or ``text``: how the source's rows hold their text."""
    if source.get("translation_column"):
        return "translation"
    if source.get("english_column") or source.get("target_column"):
        if not (source.get("english_column") and source.get("target_column")):
            raise config_error(
                config_key, "a parallel source needs both english_column and target_column"
            )
        return "parallel"
    if source.get("text_column"):
        return "text"
    raise config_error(
        config_key,
        "say where the text is: text_column (monolingual), english_column + target_column "
        "(parallel) or translation_column ({lang: text} dicts)",
    )


def _text(row: dict, column: str, where: str, config_key: str, option: str) -> str:
    if column not in row:
        columns = ", ".join(map(str, row)) or "none"
        raise LangadaptError(
            f"{where}: no column '{column}' (config key '{config_key}.{option}'); "
            f"columns: {columns}"
        )
    value = row[column]
    if value is None:
        return ""
    if not isinstance(value, str):
        raise LangadaptError(
            f"{where}: column '{column}' holds {type(value).__name__}, expected text"
        )
    return value


def rows_to_records(
    rows: Iterable[tuple[int, dict]],
    source: dict,
    lang: str,
    config_key: str,
    where: Callable[[int], str],
) -> Iterator[dict]:
    """``{"id", "group", "en", "target"}`` per ``(number, row)``; ``where(number)`` names a row.

    ``number`` is 1-based (the line of a JSONL file, the row of a table) and makes the id.
    """
    mode = column_mode(source, config_key)
    name = source["name"]
    for number, row in rows:
        place = where(number)
        if mode == "translation":
            pair = row.get(source["translation_column"])
            if not isinstance(pair, dict):
                raise LangadaptError(
                    f"{place}: column '{source['translation_column']}' is not a "
                    "{lang: text} dict "
                    f"(config key '{config_key}.translation_column')"
                )
            english_key = next((key for key in ENGLISH_KEYS if key in pair), None)
            if english_key is None or lang not in pair:
                raise LangadaptError(
                    f"{place}: translation dict has languages {sorted(pair)}; need 'en' and "
                    f"'{lang}' (config key 'language.code')"
                )
            english, target = pair[english_key] or "", pair[lang] or ""
        elif mode == "parallel":
            english = _text(row, source["english_column"], place, config_key, "english_column")
            target = _text(row, source["target_column"], place, config_key, "target_column")
        else:
            english, target = (
                None,
                _text(row, source["text_column"], place, config_key, "text_column"),
            )
        group_column = source.get("group_column")
        if group_column:
            if row.get(group_column) is None:
                raise LangadaptError(
                    f"{place}: no group in column '{group_column}' "
                    f"(config key '{config_key}.group_column')"
                )
            group = str(row[group_column])
        else:
            group = block_group(name, number)
        yield {"id": f"{name}:{number}", "group": group, "en": english, "target": target}
