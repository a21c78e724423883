"""Instruction following (rule ``eval_checkpoint``).

Held-out instructions are built from the test split like the training instructions: a help
section's heading is the request, the paragraph that follows it is the reference answer.
Automatic proxies: share of responses in the target language (``py3langid``) and chrF against
the references. A manual evaluation sheet (CSV) is written beside the results; filled copies
are aggregated by the paper rules (``langadapt.paper.aggregate``).
"""

import csv
import random
from pathlib import Path

from sacrebleu.metrics import CHRF

SHEET_COLUMNS = ["id", "prompt", "response", "reference", "correct", "partially_correct", "wrong"]
HEADING_KINDS = ("h1", "h2", "h3")
MAX_HEADING_CHARS = 80


def heading_paragraph_pairs(records: list[dict]) -> list[tuple[dict, dict]]:
    """(heading, first paragraph after it) within each help document.

    Records carry ``kind`` (h1/h2/p), ``doc`` and ``order`` when the source knows them; without
    them, a short line followed by a longer one in the same group stands in for the pair.
    """
    ordered = sorted(records, key=lambda r: (str(r.get("doc", r.get("group", ""))),
                                             r.get("order", 0), str(r["id"])))
    pairs = []
    for first, second in zip(ordered, ordered[1:], strict=False):
        same_doc = first.get("doc", first.get("group")) == second.get("doc", second.get("group"))
        if "kind" in first:
            is_pair = first["kind"] in HEADING_KINDS and second.get("kind") == "p"
        else:
            is_pair = len(first["target"]) <= MAX_HEADING_CHARS < len(second["target"])
        if same_doc and is_pair and first["target"] and second["target"]:
            pairs.append((first, second))
    return pairs


def build_instructions(records: list[dict], count: int, language_name: str,
                       seed: int = 1) -> list[dict]:
    """``{"id", "prompt", "reference"}`` held-out instructions (seeded sample).

    Help-corpus records (``kind``, ``doc``, ``order``) go through the training stage's
    ``langadapt.instructions.help_sections``: "<task phrase> (in <language>): <heading>" with the
    human target-language section text as reference, like the ``human`` training arm (the task
    phrase stays English: no translation backend at evaluation time).
    """
    from langadapt.instructions import GENERAL_TASKS, help_sections

    if records and all(key in records[0] for key in ("kind", "doc", "order")):
        sections = sorted(help_sections(records), key=lambda section: str(section["id"]))
        items = [
            {"id": str(section["id"]),
             "prompt": f"{GENERAL_TASKS[index % len(GENERAL_TASKS)]} (in {language_name}): "
                       f"{section['heading_target'].strip()}",
             "reference": "\n\n".join(section["answer_target"])}
            for index, section in enumerate(sections)
        ]
    else:
        items = [
            {"id": str(heading["id"]),
             "prompt": f"{GENERAL_TASKS[0]} (in {language_name}): {heading['target'].strip()}",
             "reference": paragraph["target"]}
            for heading, paragraph in heading_paragraph_pairs(records)
        ]
    items.sort(key=lambda item: item["id"])
    random.Random(seed).shuffle(items)
    return items[:count]


def language_share(texts: list[str], lang: str) -> dict:
    """Share of ``texts`` that py3langid identifies as ``lang`` (its language part: py3langid
    has no regions, pt-BR counts as pt); counts of every language."""
    import py3langid

    lang = lang.partition("-")[0]
    counts: dict[str, int] = {}
    for text in texts:
        code = py3langid.classify(text)[0] if text.strip() else "empty"
        counts[code] = counts.get(code, 0) + 1
    return {"share": counts.get(lang, 0) / len(texts) if texts else float("nan"),
            "languages": dict(sorted(counts.items(), key=lambda kv: -kv[1]))}


def write_manual_sheet(path, items: list[dict], responses: list[str]) -> None:
    """CSV for raters: mark one of correct / partially_correct / wrong per row (e.g. with x)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=SHEET_COLUMNS)
        writer.writeheader()
        for item, response in zip(items, responses, strict=True):
            writer.writerow({"id": item["id"], "prompt": item["prompt"], "response": response,
                             "reference": item["reference"], "correct": "",
                             "partially_correct": "", "wrong": ""})


def read_manual_sheet(path) -> dict:
    """Shares of correct / partially correct / wrong among the rated rows of a filled sheet."""
    rated = {"correct": 0, "partially_correct": 0, "wrong": 0}
    rows = 0
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            rows += 1
            marks = [name for name in rated if (row.get(name) or "").strip() not in ("", "0")]
            if len(marks) == 1:
                rated[marks[0]] += 1
    total = sum(rated.values())
    shares = {f"manual_{name}": (count / total if total else float("nan"))
              for name, count in rated.items()}
    return {**shares, "manual_rated": total, "manual_rows": rows}


def evaluate_instructions(model, tokenizer, items: list[dict], lang: str,
                          max_new_tokens: int = 64, batch_size: int = 8) -> dict:
    """Responses, target-language share and chrF; no scores when there are no items (sources
    without help-section structure yield no held-out instructions)."""
    if not items:
        note = "no held-out instructions: the test split has no heading + paragraph sections"
        return {"prompts": 0, "responses": [], "note": note}
    # here, not at the top: the paper rules read manual sheets without torch (envs/paper.yaml)
    from langadapt.eval.generation import generate

    responses = generate(model, tokenizer, [item["prompt"] for item in items], max_new_tokens,
                         batch_size)
    references = [item["reference"] for item in items]
    chrf = CHRF()
    result = chrf.corpus_score(responses, [references])
    return {
        "target_language_share": language_share(responses, lang),
        "chrf": {"score": float(result.score), "signature": str(chrf.get_signature())},
        "prompts": len(items),
        "responses": [{"id": item["id"], "response": response}
                      for item, response in zip(items, responses, strict=True)],
    }
