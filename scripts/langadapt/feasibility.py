"""Plan-time feasibility: requested sizes against what the sources can supply (rule plan_check).

Runs on the parallel sources only (the LibreOffice help and other parallel text: small, loaded
in the first minute) before any large source is read or any model trained: every other
``load_source`` job waits for it, so a config that asks for more than its sources hold stops at
once with a message naming the key, not hours into a run.

Checked:

* translation-task examples (the largest ``sft.grid`` ``translation_examples``) against the
  usable parallel training pairs;
* help-corpus instructions and preference pairs (``sft.parts`` / ``dpo.parts`` without a
  dataset) against the help sections;
* dataset parts (``sft.parts`` / ``dpo.parts`` with a dataset) against the dataset's rows,
  where they are cheap to know: local files are counted, hub datasets use their split
  metadata when the cache has it (else reported as ``unchecked``).

The parallel sources are cleaned and split here exactly as ``clean_and_split`` does, but
without the other sources, so the counts are upper bounds (cross-source duplicates can only
remove more); the rules that build the sets check again on the real split.
"""

from langadapt import grids
from langadapt.clean import clean_and_split
from langadapt.errors import config_error
from langadapt.instructions import help_section_counts, help_sections, usable_pairs
from langadapt.textio import read_jsonl, write_json


def parallel_sources(config: dict) -> list[str]:
    """Sources holding parallel text (what translation-task and help data come from)."""
    names = []
    for source in config["sources"]:
        if source.get("role", "target") == "english":
            continue
        if source["type"] == "libreoffice_help" or source.get("english_path") or source.get(
                "english_column") or source.get("translation_column"):
            names.append(source["name"])
    return names


def dataset_rows(spec: dict) -> int | None:
    """Rows of a part's dataset split, or None when that is not cheap to know."""
    import datasets

    split = spec.get("split", "train")
    if spec.get("data_files"):  # local builder files: count them
        arguments = {k: spec[k] for k in ("path", "name", "data_files") if spec.get(k)}
        return len(datasets.load_dataset(**arguments, split=split))
    try:
        builder = datasets.load_dataset_builder(spec["path"], spec.get("name"))
        info = builder.info.splits.get(split) if builder.info.splits else None
        return info.num_examples if info else None
    except Exception:  # noqa: BLE001 (no cache offline, gated, ...: reported as unchecked)
        return None


def check_plan(config: dict, source_paths: dict[str, str], out_path=None) -> dict:
    """Check requested sizes; write the counts to ``out_path``; raise on the first shortfall."""
    sources = {name: read_jsonl(path) for name, path in source_paths.items()}
    splits, _ = clean_and_split(sources, config["split"]) if sources else ({"train": []}, {})
    train = splits["train"]
    report = {"upper_bounds_from": sorted(source_paths), "checks": []}

    def check(key: str, requested: int, available: int | None, what: str) -> None:
        report["checks"].append({"key": key, "requested": requested, "available": available,
                                 "what": what})
        if available is not None and requested > available:
            raise config_error(key, f"{requested} requested but {what} hold(s) at most "
                                    f"{available} (counted before training, by plan_check)")

    xlate = max((int(c["translation_examples"]) for c in grids.sft_cells(config)), default=0)
    if xlate:
        pairs = len(usable_pairs(train))
        check("sft.grid.translation_examples", xlate, pairs,
              f"the parallel training pairs of {', '.join(sorted(source_paths)) or 'no source'}")
    sft_help, dpo_help = help_section_counts(config)
    if sft_help or dpo_help:
        has_help = any(r.get("kind") for r in train[:1000])
        sections = len(help_sections(train)) if has_help else 0
        check("sft.parts", sft_help, sections, "the help sections with text")
        if dpo_help:
            check("dpo.parts", sft_help + dpo_help, sections,
                  f"the help sections (the first {sft_help} go to SFT)")
    for stage in ("sft", "dpo"):
        if stage == "dpo" and not config["dpo"].get("enabled", True):
            continue
        for index, part in enumerate(config[stage]["parts"]):
            if part.get("dataset") is None or not part["examples"]:
                continue
            check(f"{stage}.parts[{index}].examples", part["examples"],
                  dataset_rows(part["dataset"]), f"dataset {part['dataset']['path']}")
    if out_path is not None:
        write_json(out_path, report)
    return report
