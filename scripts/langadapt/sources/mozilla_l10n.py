"""Out-of-domain held-out text: Mozilla's Fluent UI strings from Debian packages (rule
``eval_out_of_domain``).

Every training source of the default run is LibreOffice help (and machine translations of
it). A second, human-translated domain that Debian ships for many languages is the Firefox /
Thunderbird user interface: ``firefox-esr-l10n-<lang>`` holds a langpack ``.xpi`` (a zip) of
Fluent ``.ftl`` files under ``localization/<locale>/``. The English side is another langpack
(``firefox-esr-l10n-en-gb``, 0.4 MB) or the program package itself (``firefox-esr``, 80 MB,
``localization/en-US/`` inside ``omni.ja``): any extracted package tree holding such zips works.

Messages are aligned by (file path, message id, attribute). Values with placeables or
selectors (``{ ... }``) are dropped, as are terms (brand names), pairs left untranslated
(identical sides) and repeated target strings. A document is one ``.ftl`` file.
"""

import re
import zipfile
from pathlib import Path

from langadapt.errors import config_error, file_error

ZIP_SUFFIXES = (".xpi", ".ja")
_LOCALE_PATH = re.compile(r"^(?:.*/)?localization/([A-Za-z]{2,3}(?:-[A-Za-z0-9]+)*)/(.+\.ftl)$")
_MESSAGE = re.compile(r"^(-?[A-Za-z][A-Za-z0-9_-]*)\s*=\s*(.*)$")
_ATTRIBUTE = re.compile(r"^\s+\.([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(.*)$")


def parse_ftl(text: str) -> dict[str, str]:
    """``{"message" or "message.attribute": text}`` of plain-text values, in file order."""
    values: dict[str, str] = {}
    message = current = None
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            current = None
            continue
        if match := _MESSAGE.match(line):
            message = match[1]
            current = None if message.startswith("-") else message
            value = match[2].strip()
        elif (match := _ATTRIBUTE.match(line)) and message and not message.startswith("-"):
            current = f"{message}.{match[1]}"
            value = match[2].strip()
        elif line[0].isspace() and current:
            value = line.strip()
        else:
            current = None
            continue
        if current and value:
            values[current] = f"{values[current]} {value}" if current in values else value
    return {key: value for key, value in values.items() if "{" not in value and "}" not in value}


def read_locale_files(tree) -> tuple[str, dict[str, dict[str, str]]]:
    """(locale, ``{ftl path: parse_ftl(...)}``) of the zips inside an extracted package tree."""
    tree = Path(tree)
    archives = sorted(p for p in tree.rglob("*") if p.suffix in ZIP_SUFFIXES and p.is_file())
    locales: dict[str, dict[str, dict[str, str]]] = {}
    for archive in archives:
        with zipfile.ZipFile(archive) as handle:
            for name in handle.namelist():
                if match := _LOCALE_PATH.match(name):
                    text = handle.read(name).decode("utf-8", errors="replace")
                    locales.setdefault(match[1], {})[match[2]] = parse_ftl(text)
    if not locales:
        raise file_error(tree, "no .xpi / omni.ja holding localization/<locale>/*.ftl files: "
                               "not a firefox-esr(-l10n-<lang>) or thunderbird(-l10n-<lang>) "
                               "package")
    locale = max(locales, key=lambda name: len(locales[name]))
    return locale, locales[locale]


def check_locale(locale: str, language_code: str, config_key: str, package: str) -> None:
    if locale.split("-")[0].lower() != language_code.lower():
        raise config_error(config_key, f"package '{package}' holds locale '{locale}', not the "
                                       f"language '{language_code}'")


def aligned_records(english: dict, target: dict) -> list[dict]:
    """``{"id", "doc", "order", "en", "target"}`` for messages present and translated in both."""
    records, seen = [], set()
    for path in sorted(set(english) & set(target)):
        for key, text in target[path].items():
            source = english[path].get(key)
            if not source or source == text or text in seen:
                continue
            seen.add(text)
            records.append({"id": f"{path}#{key}", "doc": path, "order": len(records),
                            "en": source, "target": text})
    return records


def load_out_of_domain(target_tree, english_tree, spec: dict, language_code: str) -> dict:
    """Aligned out-of-domain records and a summary of their size (``spec``:
    ``evaluation.out_of_domain``)."""
    target_locale, target_files = read_locale_files(target_tree)
    english_locale, english_files = read_locale_files(english_tree)
    check_locale(target_locale, language_code, "evaluation.out_of_domain.package",
                 spec["package"])
    check_locale(english_locale, "en", "evaluation.out_of_domain.english_package",
                 spec["english_package"])
    records = aligned_records(english_files, target_files)
    if not records:
        raise config_error("evaluation.out_of_domain",
                           f"'{spec['package']}' and '{spec['english_package']}' share no "
                           "translated messages")
    summary = {
        "packages": {"target": spec["package"], "english": spec["english_package"]},
        "locales": {"target": target_locale, "english": english_locale},
        "ftl_files": {"target": len(target_files), "english": len(english_files)},
        "aligned_messages": len(records),
        "documents": len({record["doc"] for record in records}),
        "characters": {"target": sum(len(r["target"]) for r in records),
                       "english": sum(len(r["en"]) for r in records)},
    }
    return {"records": records, "summary": summary}
