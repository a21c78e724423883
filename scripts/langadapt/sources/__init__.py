"""Text sources: each configured source becomes ``results/data/{lang}/sources/{source}.jsonl``.

``load_source`` dispatches on ``source["type"]``; every loader returns records
``{"id", "group", "en", "target"}`` (``en`` is None for monolingual target text, ``target`` is
None for a source with ``role: english``) plus optional extra
fields (``doc``, ``kind``, ``order`` for the LibreOffice help).
"""

from langadapt.errors import config_error
from langadapt.textio import write_jsonl


def source_config(config: dict, name: str) -> tuple[dict, str]:
    """(source dict, its config key such as ``sources[0]``) for the source called ``name``."""
    for index, source in enumerate(config["sources"]):
        if source["name"] == name:
            return source, f"sources[{index}]"
    names = ", ".join(source["name"] for source in config["sources"])
    raise config_error("sources", f"no source named '{name}' (configured: {names})")


def check_language(config: dict, lang: str) -> None:
    """A path's ``{lang}`` must be the configured language: sources are configured per language."""
    if lang != config["language"]["code"]:
        raise config_error(
            "language.code",
            f"no sources are configured for language '{lang}' (this config is for "
            f"'{config['language']['code']}'; pass --configfile with a config for '{lang}')",
        )


def load_source(config: dict, name: str, lang: str, package_dirs: dict | None = None) -> list[dict]:
    """Records of source ``name``; ``package_dirs`` maps Debian package -> extracted directory."""
    check_language(config, lang)
    source, key = source_config(config, name)
    if source["type"] == "libreoffice_help":
        from langadapt.sources import libreoffice_help

        dirs = package_dirs or {}
        return libreoffice_help.load(
            source, dirs[source["english_package"]], dirs[source["package"]], lang, key
        )
    if source["type"] == "hf_dataset":
        from langadapt.sources import hf_dataset

        return hf_dataset.load(source, lang, key)
    from langadapt.sources import local

    return local.load(source, lang, key)


def write_source(
    config: dict, name: str, lang: str, output, package_dirs: dict | None = None
) -> int:
    """Load source ``name`` and write it as JSONL (atomically); return the record count."""
    records = load_source(config, name, lang, package_dirs)
    source, key = source_config(config, name)
    if not records:
        raise config_error(key, f"source '{name}' yielded no records")
    if source.get("role", "target") == "english":  # monolingual English: the text is English
        records = [{**record, "en": record["target"], "target": None} for record in records]
    return write_jsonl(output, records)
