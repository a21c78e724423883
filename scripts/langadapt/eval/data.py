"""Held-out evaluation data built from the clean test split (rules ``eval_data`` and
``eval_translation_set``).

Every file is derived from ``results/data/{lang}/clean/test.jsonl`` with a fixed seed, so two
runs give identical sets:

- ``bpc.json``: held-out documents for bits per character (``bpc_chars`` characters per set):
  in-domain target and English, and out-of-domain target and English when configured,
- ``translation.jsonl``: ``{"id", "en", "target"}`` pairs (or an external set such as FLORES),
- ``translation_ood.jsonl``: the same from the out-of-domain text (rule ``eval_translation_ood``),
- ``multiple_choice.jsonl`` + ``lm_eval/<task>.yaml``: pick the correct translation among four
  (``langadapt.eval.multiple_choice``; disjoint from the translation pairs); ``eval_data.json``
  holds the accuracy of every non-model chooser on them (``chooser_accuracies``),
- ``instructions.jsonl``: held-out instructions ``{"id", "prompt", "reference"}``.
"""

import random
from pathlib import Path

from langadapt.errors import config_error, file_error
from langadapt.eval.instruction_following import build_instructions
from langadapt.eval.lm_eval_tasks import multiple_choice_task_name, write_multiple_choice_task
from langadapt.eval.multiple_choice import build_multiple_choice, chooser_accuracies
from langadapt.textio import read_jsonl, write_json, write_jsonl

MIN_SENTENCE_CHARS = 15
MAX_SENTENCE_CHARS = 300


def load_test_split(path) -> list[dict]:
    records = read_jsonl(path)
    if not records:
        raise file_error(path, "the test split is empty; check split.test_groups in the config")
    for line, record in enumerate(records, start=1):
        if "target" not in record or "id" not in record:
            raise file_error(path, "record lacks 'id' or 'target'", line=line)
    return records


def parallel_pairs(records: list[dict]) -> list[dict]:
    """Records with both sides, of sentence-like length, one per distinct target text."""
    seen, pairs = set(), []
    for record in records:
        en, target = record.get("en"), record.get("target")
        if not en or not target or en == target or target in seen:
            continue
        if not MIN_SENTENCE_CHARS <= len(target) <= MAX_SENTENCE_CHARS:
            continue
        seen.add(target)
        pairs.append({"id": str(record["id"]), "en": en, "target": target})
    return pairs


def sample(items: list, count: int, seed: int) -> list:
    """``count`` items drawn without replacement in a seeded order (all when fewer)."""
    order = sorted(items, key=lambda item: item["id"])
    random.Random(seed).shuffle(order)
    return order[:count]


def held_out_text(texts: list[str], max_chars: int) -> str:
    """Join texts with newlines until ``max_chars`` characters (the last one is cut)."""
    joined = "\n".join(text for text in texts if text)
    return joined[:max_chars]


def bpc_documents(records: list[dict], max_chars: int, document_chars: int,
                  seed: int) -> dict[str, list[dict]]:
    """Held-out documents ``{"id", "text"}`` for bits per character, target and English side.

    A document is a source document (``doc``, else ``group``) with its paragraphs in order,
    cut at ``document_chars`` characters so that many documents share the budget (the
    bootstrap interval resamples documents). Documents are taken in a seeded order until the
    target side holds ``max_chars`` characters; the English side holds the same documents.
    """
    documents: dict[str, list[dict]] = {}
    for record in records:
        documents.setdefault(str(record.get("doc", record.get("group", ""))), []).append(record)
    order = sorted(documents)
    random.Random(seed).shuffle(order)
    sides: dict[str, list[dict]] = {"target": [], "english": []}
    used = 0
    for name in order:
        paragraphs = sorted(documents[name], key=lambda r: (r.get("order", 0), str(r["id"])))
        target = held_out_text([r["target"] for r in paragraphs], document_chars)
        english = held_out_text([r.get("en") or "" for r in paragraphs], document_chars)
        if not target or not english:
            continue
        target = target[: max_chars - used]
        sides["target"].append({"id": name, "text": target})
        sides["english"].append({"id": name, "text": english})
        used += len(target)
        if used >= max_chars:
            break
    return sides


def build_bpc_sets(records: list[dict], evaluation: dict, seed: int,
                   out_of_domain: list[dict] | None = None) -> dict:
    """``bpc.json``: documents per set (in-domain ``target``/``english``, out-of-domain
    ``ood_target``/``ood_english``), plus the joined in-domain text under the old keys."""
    limit, per_document = evaluation["bpc_chars"], evaluation["bpc_document_chars"]
    sets = bpc_documents(records, limit, per_document, seed)
    if out_of_domain:
        ood = bpc_documents(out_of_domain, limit, per_document, seed)
        sets.update({"ood_target": ood["target"], "ood_english": ood["english"]})
    joined = {name: "\n".join(d["text"] for d in sets[name]) for name in ("target", "english")}
    return {**joined,
            "characters": {name: sum(len(d["text"]) for d in documents)
                           for name, documents in sets.items()},
            "documents": {name: len(documents) for name, documents in sets.items()},
            "sets": sets}


def build_eval_data(test_path, out_dir, evaluation: dict, language: dict, seed: int = 1,
                    translation_path=None, out_of_domain_path=None) -> dict:
    """Write bpc.json, multiple_choice.jsonl, lm_eval/<task>.yaml and instructions.jsonl.

    Multiple-choice items avoid every pair of the translation set (``translation_path``);
    ``out_of_domain_path`` (rule ``eval_out_of_domain``) adds the out-of-domain bpc sets.
    """
    out_dir = Path(out_dir)
    records = load_test_split(test_path)
    pairs = parallel_pairs(records)
    ood = read_jsonl(out_of_domain_path) if out_of_domain_path else None
    bpc = build_bpc_sets(records, evaluation, seed, ood)
    write_json(out_dir / "bpc.json", bpc)
    translation = read_jsonl(translation_path) if translation_path else []
    exclude = {text for pair in translation for text in (pair["en"], pair["target"])}
    items = build_multiple_choice(pairs, evaluation["multiple_choice_items"], seed, exclude)
    if not items:
        raise file_error(test_path, f"no multiple-choice item: of {len(pairs)} usable pairs "
                                    f"({len(exclude) // 2} taken by the translation set) none "
                                    "has two words of 4+ letters without capitals, not in its "
                                    "English, to swap for distractors")
    items_path = out_dir / "multiple_choice.jsonl"
    write_jsonl(items_path, items)
    task = multiple_choice_task_name(language["code"])
    write_multiple_choice_task(out_dir / "lm_eval" / f"{task}.yaml", task, items_path.resolve(),
                               language["name"])
    instructions = build_instructions(records, evaluation["instruction_prompts"], language["name"],
                                      seed)
    write_jsonl(out_dir / "instructions.jsonl", instructions)
    summary = {"pairs_available": len(pairs), "multiple_choice_items": len(items),
               "multiple_choice_choosers": chooser_accuracies(items),
               "instructions": len(instructions), "bpc_characters": bpc["characters"],
               "bpc_documents": bpc["documents"], "multiple_choice_task": task, "seed": seed}
    write_json(out_dir / "eval_data.json", summary)
    return summary


def load_external_test_set(spec: dict) -> list[dict]:
    """Pairs from ``evaluation.test_set``: a dataset on the hub (FLORES) or a local file.

    ``spec`` keys: ``path`` (dataset id, or a local .jsonl/.json/.csv/.tsv/.parquet file),
    ``name`` (dataset config, or ``en_name`` + ``target_name`` for one config per language as in
    FLORES+), ``split``, ``en_field``, ``target_field``, ``id_field`` (optional).
    """
    import datasets

    path = spec["path"]
    split = spec.get("split", "devtest")
    suffix = Path(path).suffix.lower()
    builders = {".jsonl": "json", ".json": "json", ".csv": "csv", ".tsv": "csv",
                ".parquet": "parquet"}
    if suffix in builders and Path(path).exists():
        kwargs = {"delimiter": "\t"} if suffix == ".tsv" else {}
        english = target = datasets.load_dataset(builders[suffix], data_files=str(path),
                                                 split="train", **kwargs)
    elif spec.get("en_name") and spec.get("target_name"):
        english = datasets.load_dataset(path, spec["en_name"], split=split)
        target = datasets.load_dataset(path, spec["target_name"], split=split)
    else:
        english = target = datasets.load_dataset(path, spec.get("name"), split=split)
    if len(english) != len(target):
        raise config_error("evaluation.test_set",
                           f"{len(english)} English and {len(target)} target rows")
    en_field, target_field = spec.get("en_field", "en"), spec.get("target_field", "target")
    for field, table in ((en_field, english), (target_field, target)):
        if field not in table.column_names:
            raise config_error("evaluation.test_set",
                               f"no column '{field}' in {path}; columns: {table.column_names}")
    id_field = spec.get("id_field")
    return [{"id": str(english[i][id_field]) if id_field else f"{i:05d}",
             "en": english[i][en_field], "target": target[i][target_field]}
            for i in range(len(english))]


def build_translation_set(test_path, out_path, evaluation: dict, seed: int = 1) -> int:
    """Write the translation test pairs; returns how many."""
    spec = evaluation.get("test_set")
    if spec:
        pairs = load_external_test_set(spec)[: evaluation["translation_sentences"]]
    else:
        pairs = sample(parallel_pairs(load_test_split(test_path)),
                       evaluation["translation_sentences"], seed)
    if not pairs:
        raise file_error(test_path, "no parallel pairs for the translation test set")
    write_jsonl(out_path, pairs)
    return len(pairs)


def build_ood_translation_set(out_of_domain_path, out_path, count: int, seed: int = 1) -> int:
    """Write ``count`` out-of-domain translation pairs (``eval_out_of_domain`` records with both
    sides, sentence-like length, English left untranslated dropped); returns how many."""
    pairs = sample(parallel_pairs(read_jsonl(out_of_domain_path)), count, seed)
    if not pairs:
        raise file_error(out_of_domain_path, "no translated out-of-domain pairs of "
                         f"{MIN_SENTENCE_CHARS}-{MAX_SENTENCE_CHARS} characters")
    write_jsonl(out_path, pairs)
    return len(pairs)
