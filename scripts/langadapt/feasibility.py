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

Reported, not checked: what the CPT cells take from each target corpus and how much machine
translation that asks for (``mixture_takes``), from the config alone, before anything is
translated.
"""

import logging
import math

from langadapt import corpora, grids
from langadapt.clean import clean_and_split
from langadapt.errors import config_error
from langadapt.instructions import help_section_counts, help_sections, usable_pairs
from langadapt.mixture import corpus_weight, split_quota
from langadapt.textio import read_jsonl, write_json

log = logging.getLogger(__name__)


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


def mixture_takes(config: dict) -> dict:
    """Tokens the CPT cells take from each target corpus (the most any cell takes) and the MT
    sized to it, from the config alone.

    Known only with ``mixture.target_shares`` (quotas then do not depend on corpus sizes; with
    ``real_weight`` they follow sizes known after tokenisation: ``mix.json`` reports them). The
    MT produces about ``max_sentences x mt_tokens_per_sentence x perplexity_keep_fraction`` tokens
    (the other filters only remove more); what the largest cell does not take is never sampled.
    """
    shares = config["mixture"]["target_shares"]
    names = [name for name in corpora.corpus_plan(config, "plan") if name != "english"]
    if shares is None:
        return {"unchecked": "mixture.real_weight: the quotas follow the corpus sizes, known "
                             "after tokenisation (mix.json: unsampled_tokens)"}
    seq_len = config["mixture"]["seq_len"]
    taken = dict.fromkeys(names, 0)
    for cell in grids.cpt_cells(config):
        budget = grids.parse_token_count(cell["token_budget"])
        target = round(float(cell["mixing_ratio"]) * max(1, round(budget / seq_len)) * seq_len)
        weights = {name: corpus_weight(name, float(cell["synthetic_weight"]), 0.0, shares)
                   for name in names}
        for name, quota in split_quota(target, weights).items():
            taken[name] = max(taken[name], quota)
    report = {"taken_tokens": taken}
    translation = config["synthetic"]["translation"]
    per_sentence = config["mixture"]["mt_tokens_per_sentence"]
    if "mt" not in taken:
        return report
    if not per_sentence:
        report["mt"] = {"unchecked": "mixture.mt_tokens_per_sentence is not set"}
        return report
    kept = per_sentence * config["synthetic"]["filters"]["perplexity_keep_fraction"]
    produced = round(translation["max_sentences"] * kept)
    report["mt"] = {
        "produced_tokens": produced,
        "taken_tokens": taken["mt"],
        "unsampled_tokens": max(0, produced - taken["mt"]),
        "epochs": round(taken["mt"] / produced, 4) if produced else None,
        "max_sentences": translation["max_sentences"],
        "max_sentences_for_one_pass": math.ceil(taken["mt"] / kept),
    }
    return report


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
    report["mixture"] = mixture_takes(config)
    mt = report["mixture"].get("mt", {})
    if mt.get("unsampled_tokens"):
        log.warning("synthetic.translation.max_sentences: ~%d of the ~%d translated tokens are "
                    "never sampled by any CPT cell; ~%d sentences give the %d tokens the mixture "
                    "takes", mt["unsampled_tokens"], mt["produced_tokens"],
                    mt["max_sentences_for_one_pass"], mt["taken_tokens"])
    if out_path is not None:
        write_json(out_path, report)
    return report
