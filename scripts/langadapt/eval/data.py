"""Held-out evaluation data built from the clean test split (rules ``eval_data`` and
``eval_translation_set``).

Every file is derived from ``results/data/{lang}/clean/test.jsonl`` with a fixed seed, so two
runs give identical sets:

- ``bpc.json``: target-language and English held-out text (``bpc_chars`` characters each),
- ``translation.jsonl``: ``{"id", "en", "target"}`` pairs (or an external set such as FLORES),
- ``multiple_choice.jsonl`` + ``lm_eval/<task>.yaml``: pick the correct translation among four,
- ``instructions.jsonl``: held-out instructions ``{"id", "prompt", "reference"}``.
"""

import random
from pathlib import Path

from langadapt.errors import config_error, file_error
from langadapt.eval.instruction_following import build_instructions
from langadapt.eval.lm_eval_tasks import multiple_choice_task_name, write_multiple_choice_task
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


def build_bpc_text(records: list[dict], max_chars: int) -> dict:
    """Target and English held-out text in document order (paragraphs keep their context)."""
    ordered = sorted(records,
                     key=lambda r: (str(r.get("doc", "")), r.get("order", 0), str(r["id"])))
    target = held_out_text([r["target"] for r in ordered], max_chars)
    english = held_out_text([r.get("en") or "" for r in ordered], max_chars)
    return {"target": target, "english": english,
            "characters": {"target": len(target), "english": len(english)}}


def build_multiple_choice(pairs: list[dict], count: int, seed: int) -> list[dict]:
    """Belebele-like items: an English sentence and four target sentences, one its translation.

    Distractors are other held-out target sentences of similar length (seeded), so length alone
    does not give the answer away. The position of the answer is seeded too.
    """
    if len(pairs) < 4:
        return []
    rng = random.Random(seed)
    by_length = sorted(pairs, key=lambda pair: (len(pair["target"]), pair["id"]))
    rank = {pair["id"]: index for index, pair in enumerate(by_length)}
    items = []
    for pair in sample(pairs, count, seed):
        centre = rank[pair["id"]]
        window = [p for p in by_length[max(0, centre - 6): centre + 7] if p["id"] != pair["id"]]
        distractors = [p["target"] for p in rng.sample(window, 3)]
        answer = rng.randrange(4)
        choices = distractors[:answer] + [pair["target"]] + distractors[answer:]
        items.append({"id": pair["id"], "en": pair["en"], "choices": choices, "answer": answer})
    return items


def build_eval_data(test_path, out_dir, evaluation: dict, language: dict, seed: int = 1) -> dict:
    """Write bpc.json, multiple_choice.jsonl, lm_eval/<task>.yaml and instructions.jsonl."""
    out_dir = Path(out_dir)
    records = load_test_split(test_path)
    pairs = parallel_pairs(records)
    bpc = build_bpc_text(records, evaluation["bpc_chars"])
    write_json(out_dir / "bpc.json", bpc)
    items = build_multiple_choice(pairs, evaluation["multiple_choice_items"], seed)
    if not items:
        raise file_error(test_path, f"only {len(pairs)} usable pairs; multiple choice needs 4")
    items_path = out_dir / "multiple_choice.jsonl"
    write_jsonl(items_path, items)
    task = multiple_choice_task_name(language["code"])
    write_multiple_choice_task(out_dir / "lm_eval" / f"{task}.yaml", task, items_path.resolve(),
                               language["name"])
    instructions = build_instructions(records, evaluation["instruction_prompts"], language["name"],
                                      seed)
    write_jsonl(out_dir / "instructions.jsonl", instructions)
    summary = {"pairs_available": len(pairs), "multiple_choice_items": len(items),
               "instructions": len(instructions), "bpc_characters": bpc["characters"],
               "multiple_choice_task": task, "seed": seed}
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
