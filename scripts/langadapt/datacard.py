"""The data card of a language: what text went in, how much, how it was cleaned, where it came from.

``card.json`` holds every number; ``card.md`` renders the same numbers for people. Sizes are
given per split and per source in lines (records), words (whitespace tokens) and tokens of the
base model's tokenizer; fertility is tokens per word, English vs target (an English-centric
tokenizer spends several times more tokens on a low-resource language's word).
"""

import importlib.metadata
import platform
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

from langadapt.modeling import load_tokenizer
from langadapt.textio import read_json, read_jsonl, write_json, write_text

SPLITS = ("train", "dev", "test")
PYTHON_PACKAGES = (
    "datasets",
    "transformers",
    "tokenizers",
    "snakemake",
    "sacrebleu",
    "indic-transliteration",
)
BATCH = 1024


def token_lengths(tokenizer, texts: list[str]) -> list[int]:
    """Tokens of each text (no special tokens), in batches."""
    lengths = []
    for start in range(0, len(texts), BATCH):
        encoded = tokenizer(texts[start : start + BATCH], add_special_tokens=False)["input_ids"]
        lengths.extend(len(ids) for ids in encoded)
    return lengths


def add_token_counts(records: list[dict], tokenizer) -> None:
    """Store each record's token counts in ``_tokens_en`` / ``_tokens_target`` (one pass)."""
    for side in ("en", "target"):
        texts = [record.get(side) or "" for record in records]
        for record, length in zip(records, token_lengths(tokenizer, texts), strict=True):
            record[f"_tokens_{side}"] = length


def text_stats(records: list[dict], with_tokens: bool = False) -> dict:
    """records, parallel records, words / characters (and tokens) of each side."""
    english = [r["en"] for r in records if r.get("en")]
    target = [r["target"] for r in records if r.get("target")]
    stats = {
        "records": len(records),
        "parallel": len(english),
        "words_en": sum(len(text.split()) for text in english),
        "words_target": sum(len(text.split()) for text in target),
        "chars_en": sum(map(len, english)),
        "chars_target": sum(map(len, target)),
    }
    if with_tokens:
        stats["tokens_en"] = sum(r["_tokens_en"] for r in records)
        stats["tokens_target"] = sum(r["_tokens_target"] for r in records)
    return stats


def _ratio(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def fertility(stats: dict) -> dict:
    """Tokens per word on each side and the target/English ratio."""
    english = _ratio(stats.get("tokens_en", 0), stats["words_en"])
    target = _ratio(stats.get("tokens_target", 0), stats["words_target"])
    return {"en": english, "target": target, "target_over_en": _ratio(target or 0, english or 0)}


def filter_keep_rates(report: dict) -> list[dict]:
    """``{"filters": [{"name", "kept", "dropped"}]}`` -> the same rows with ``keep_rate``."""
    rows = []
    for entry in report.get("filters", []):
        kept, dropped = int(entry["kept"]), int(entry["dropped"])
        rows.append(
            {
                "name": entry["name"],
                "kept": kept,
                "dropped": dropped,
                "keep_rate": _ratio(kept, kept + dropped),
            }
        )
    return rows


def tool_versions() -> dict:
    versions = {"python": platform.python_version()}
    for package in PYTHON_PACKAGES:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            continue
    if shutil.which("dpkg-query"):
        result = subprocess.run(
            ["dpkg-query", "-W", "-f", "${Package} ${Version} ${db:Status-Status}\\n", "apertium*"],
            capture_output=True,
            text=True,
        )
        for line in result.stdout.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[2] == "installed":
                versions[f"debian:{parts[0]}"] = parts[1]
    return versions


def build_card(
    config: dict,
    config_hash: str,
    splits: dict[str, str],
    clean_report: str,
    tokenizer_dir=None,
    debian_metadata: list[str] = (),
    filter_report: str | None = None,
    mixtures: list[str] = (),
) -> dict:
    """The card as a dict; every argument after ``config_hash`` is a path."""
    tokenizer = load_tokenizer(tokenizer_dir) if tokenizer_dir else None
    by_split, by_source, everything = {}, {}, []
    for name in SPLITS:
        records = read_jsonl(splits[name])
        if tokenizer is not None:
            add_token_counts(records, tokenizer)
        everything.extend(records)
        by_split[name] = text_stats(records, tokenizer is not None)
        per_source = defaultdict(list)
        for record in records:
            per_source[record["source"]].append(record)
        by_source[name] = {
            source: text_stats(rows, tokenizer is not None) for source, rows in per_source.items()
        }
    total = text_stats(everything, tokenizer is not None)
    report = read_json(clean_report)
    card = {
        "language": dict(config["language"]),
        "config_hash": config_hash,
        "sources": [dict(source) for source in config["sources"]],
        "splits": by_split,
        "splits_by_source": by_source,
        "total": total,
        "fertility": fertility(total) if tokenizer is not None else None,
        "tokenizer": {
            "path": str(tokenizer_dir),
            "name_or_path": getattr(tokenizer, "name_or_path", None),
            "vocab_size": len(tokenizer),
        }
        if tokenizer is not None
        else None,
        "cleaning": {
            key: report[key]
            for key in (
                "dropped_empty",
                "dropped_identical",
                "duplicates_removed",
                "held_out_capped",
                "held_out_overlap_removed",
                "split_config",
            )
        }
        | {"per_source": report["sources"]},
        "synthetic_filters": filter_keep_rates(read_json(filter_report)) if filter_report else None,
        "mixtures": [{"path": str(path), **read_json(path)} for path in sorted(map(str, mixtures))],
        "provenance": {
            "debian_packages": [read_json(path) for path in debian_metadata],
            "tools": tool_versions(),
            "config_hash": config_hash,
        },
    }
    return card


def _number(value) -> str:
    if value is None:
        return "–"
    return (
        f"{value:,}"
        if isinstance(value, int)
        else f"{value:.3g}"
        if isinstance(value, float)
        else str(value)
    )


def _table(header: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_number(cell) for cell in row) + " |" for row in rows]
    return lines + [""]


def render_markdown(card: dict) -> str:
    language = card["language"]
    tokens = card["fertility"] is not None
    columns = ["records", "parallel", "words_en", "words_target"] + (
        ["tokens_en", "tokens_target"] if tokens else []
    )
    lines = [
        f"# Data card: {language.get('name') or language['code']} ({language['code']})",
        "",
        f"Config hash `{card['config_hash']}`.",
        "",
        "## Size per split",
        "",
    ]
    lines += _table(
        ["split", *columns],
        [[name, *(card["splits"][name].get(c) for c in columns)] for name in SPLITS],
    )
    lines += ["## Size per split and source", ""]
    rows = [
        [split, source, *(stats.get(c) for c in columns)]
        for split in SPLITS
        for source, stats in sorted(card["splits_by_source"][split].items())
    ]
    lines += _table(["split", "source", *columns], rows)
    if tokens:
        fert = card["fertility"]
        lines += [
            "## Tokenizer fertility (tokens per word)",
            "",
            f"Tokenizer: `{card['tokenizer']['name_or_path'] or card['tokenizer']['path']}` "
            f"(vocabulary {card['tokenizer']['vocab_size']:,}).",
            "",
        ]
        lines += _table(
            ["English", "target", "target / English"],
            [[fert["en"], fert["target"], fert["target_over_en"]]],
        )
    cleaning = card["cleaning"]
    lines += ["## Cleaning", ""]
    lines += _table(
        [
            "source",
            "read",
            "empty side",
            "identical (untranslated)",
            "duplicate pairs",
            "duplicate targets",
        ],
        [
            [
                name,
                c["read"],
                c["dropped_empty"],
                c["dropped_identical"],
                c["duplicates_pair"],
                c["duplicates_target"],
            ]
            for name, c in cleaning["per_source"].items()
        ],
    )
    lines += [
        f"Held-out overlap removed from train: {cleaning['held_out_overlap_removed']:,}; "
        f"held-out records beyond the cap: dev {cleaning['held_out_capped']['dev']:,}, "
        f"test {cleaning['held_out_capped']['test']:,}. Test groups: "
        f"{', '.join(cleaning['split_config']['test_groups'])}; dev groups: "
        f"{', '.join(cleaning['split_config']['dev_groups'])}.",
        "",
    ]
    if card["synthetic_filters"] is not None:
        lines += ["## Synthetic-data filters", ""]
        lines += _table(
            ["filter", "kept", "dropped", "keep rate"],
            [
                [f["name"], f["kept"], f["dropped"], f["keep_rate"]]
                for f in card["synthetic_filters"]
            ],
        )
    if card["mixtures"]:
        lines += ["## Mixtures", ""] + [f"- `{mix['path']}`" for mix in card["mixtures"]] + [""]
    provenance = card["provenance"]
    lines += ["## Provenance", ""]
    lines += [
        f"- Debian `{p['package']}` {p['version']} (sha256 `{p['sha256'][:16]}…`)"
        for p in provenance["debian_packages"]
    ]
    lines += [f"- {tool} {version}" for tool, version in provenance["tools"].items()]
    return "\n".join(lines) + "\n"


def write_card(card: dict, json_path, markdown_path) -> None:
    write_json(json_path, card)
    write_text(markdown_path, render_markdown(card))


def mixture_reports(lang: str, root="results/mix") -> list[Path]:
    """``mix.json`` files of the language's mixtures that exist now (optional card section)."""
    return sorted(Path(root, lang).glob("**/mix.json"))
