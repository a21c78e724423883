"""Merge the sources of a language, clean them, and split train/dev/test by group.

Order of operations (each step counted in ``report.json``):

1. normalise both sides (NFC, whitespace runs -> one space);
2. drop records with an empty side (``dropped_empty``) and parallel pairs whose two sides are
   identical — untranslated text (``dropped_identical``);
3. exact deduplication, first occurrence kept: on the (en, target) pair, then on the target
   side alone (``duplicates_pair``, ``duplicates_target``);
4. split by group: ``split.test_groups`` -> test, ``split.dev_groups`` -> dev, the rest -> train;
5. cap dev and test at ``split.max_test_pairs``, choosing records by a hash of their id
   (deterministic, spread over documents) and keeping document order;
6. remove from train every record whose English or target text (normalised, case-folded)
   occurs in dev or test (``held_out_overlap_removed``): no test sentence, or a duplicate of
   it, is seen in training.
"""

import hashlib
from collections import Counter
from pathlib import Path

from langadapt.errors import config_error
from langadapt.textio import normalize_text, read_jsonl, write_json, write_jsonl

SPLITS = ("train", "dev", "test")
CONTRACT_FIELDS = ("id", "group", "source", "en", "target")


def _normalise(record: dict, source: str) -> dict:
    english = record.get("en")
    cleaned = {
        "id": str(record["id"]),
        "group": str(record["group"]),
        "source": source,
        "en": None if english is None else normalize_text(english),
        "target": normalize_text(record.get("target")),
    }
    cleaned.update({key: value for key, value in record.items() if key not in CONTRACT_FIELDS})
    return cleaned


def _stable_rank(record_id: str) -> str:
    return hashlib.sha1(record_id.encode("utf-8")).hexdigest()


def cap_records(records: list[dict], limit: int) -> list[dict]:
    """At most ``limit`` records chosen by a hash of their id, in their original order."""
    if len(records) <= limit:
        return records
    chosen = set(sorted(range(len(records)), key=lambda i: _stable_rank(records[i]["id"]))[:limit])
    return [record for index, record in enumerate(records) if index in chosen]


def _leak_key(text: str | None) -> str | None:
    return None if not text else text.casefold()


def _check_groups(split_config: dict) -> None:
    both = set(split_config["test_groups"]) & set(split_config["dev_groups"])
    if both:
        raise config_error(
            "split.dev_groups", f"groups {sorted(both)} are also in split.test_groups"
        )


def _check_held_out(name: str, wanted: list[str], records: list[dict], groups: Counter) -> None:
    if wanted and not records:
        present = ", ".join(f"{group} ({count})" for group, count in groups.most_common(30))
        raise config_error(
            f"split.{name}_groups",
            f"no cleaned record belongs to {wanted}; groups present: {present}",
        )


def clean_and_split(
    sources: dict[str, list[dict]], split_config: dict
) -> tuple[dict[str, list[dict]], dict]:
    """(``{"train", "dev", "test"}`` -> records, report) from ``{source name: records}``."""
    _check_groups(split_config)
    per_source = {
        name: Counter(
            read=0, dropped_empty=0, dropped_identical=0, duplicates_pair=0, duplicates_target=0
        )
        for name in sources
    }
    seen_pairs, seen_targets, kept = set(), set(), []
    for name, records in sources.items():
        counts = per_source[name]
        for record in records:
            counts["read"] += 1
            record = _normalise(record, name)
            english, target = record["en"], record["target"]
            if not target or english == "":
                counts["dropped_empty"] += 1
            elif english is not None and english == target:
                counts["dropped_identical"] += 1
            elif (english, target) in seen_pairs:
                counts["duplicates_pair"] += 1
            elif target in seen_targets:
                counts["duplicates_target"] += 1
            else:
                seen_pairs.add((english, target))
                seen_targets.add(target)
                kept.append(record)
    if not kept:
        read = sum(counts["read"] for counts in per_source.values())
        raise config_error(
            "sources",
            f"no text left after cleaning ({read} records read from "
            f"{', '.join(sources)}; every record was empty, untranslated or a duplicate)",
        )

    test_groups, dev_groups = set(split_config["test_groups"]), set(split_config["dev_groups"])
    splits = {name: [] for name in SPLITS}
    for record in kept:
        group = record["group"]
        splits[
            "test" if group in test_groups else "dev" if group in dev_groups else "train"
        ].append(record)
    groups = Counter(record["group"] for record in kept)
    _check_held_out("test", split_config["test_groups"], splits["test"], groups)
    _check_held_out("dev", split_config["dev_groups"], splits["dev"], groups)

    capped = {}
    for name in ("dev", "test"):
        before = len(splits[name])
        splits[name] = cap_records(splits[name], split_config["max_test_pairs"])
        capped[name] = before - len(splits[name])

    held_out = {
        _leak_key(r[side])
        for name in ("dev", "test")
        for r in splits[name]
        for side in ("en", "target")
    }
    held_out.discard(None)
    train = [
        r
        for r in splits["train"]
        if _leak_key(r["en"]) not in held_out and _leak_key(r["target"]) not in held_out
    ]
    overlap_removed = len(splits["train"]) - len(train)
    splits["train"] = train
    if not train:
        raise config_error(
            "split", "the train split is empty: every group is held out (test_groups/dev_groups)"
        )

    report = {
        "sources": {name: dict(counts) for name, counts in per_source.items()},
        "splits": {
            name: {
                "records": len(records),
                "parallel": sum(1 for r in records if r["en"] is not None),
                "by_source": dict(Counter(r["source"] for r in records)),
                "groups": dict(Counter(r["group"] for r in records)),
            }
            for name, records in splits.items()
        },
        "dropped_empty": sum(c["dropped_empty"] for c in per_source.values()),
        "dropped_identical": sum(c["dropped_identical"] for c in per_source.values()),
        "duplicates_removed": sum(
            c["duplicates_pair"] + c["duplicates_target"] for c in per_source.values()
        ),
        "held_out_capped": capped,
        "held_out_overlap_removed": overlap_removed,
        "split_config": dict(split_config),
    }
    for name in per_source:
        report["sources"][name]["kept"] = {
            split: report["splits"][split]["by_source"].get(name, 0) for split in SPLITS
        }
    return splits, report


def clean_files(source_paths: dict[str, str], split_config: dict, outputs: dict[str, str]) -> dict:
    """Read source JSONL files, clean and split, write ``outputs`` (train/dev/test/report)."""
    sources = {name: read_jsonl(path) for name, path in source_paths.items()}
    splits, report = clean_and_split(sources, split_config)
    report["inputs"] = {name: str(Path(path)) for name, path in source_paths.items()}
    for name in SPLITS:
        write_jsonl(outputs[name], splits[name])
    write_json(outputs["report"], report)
    return report
