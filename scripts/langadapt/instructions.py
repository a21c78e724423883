"""Instruction data for SFT, as chat ``messages`` (one JSON object per line).

Three sources (Llama-eus, x-LLaMA):

* **Help sections** (``help_sections``): the offline general-instruction source. In each help
  document (records sorted by ``order``) a heading (``kind`` h1..h6) opens a section and the
  paragraphs after it, up to the next heading, are its answer. Records the data stage dropped
  (duplicates, untranslated) simply shorten a section.
* **General instructions** (``general_instructions``) in two arms that differ only in who
  translated the text: ``mt`` = the English heading and answer machine-translated
  (``langadapt.mt``), ``human`` = the human target-language heading and answer of the same
  section. The task phrase ("Explain", ...) is machine-translated once and used by both arms,
  so the arms differ exactly in the heading and answer text. Paper configs can name an English
  instruction dataset instead (``sft.general_dataset``), machine-translated (``mt`` only).
* **Translation-task instructions** (``translation_instructions``, x-LLaMA): parallel pairs
  with English instruction templates; ``en-xx`` puts the target language on the answer side,
  ``xx-en`` the reverse, ``both`` alternates. Their order is fixed (independent of the cell
  seed), so the first ``n`` examples of a larger set are the smaller set: sizes are nested.

An SFT set is a list of **parts** (``sft.parts``; ``general_dataset``/``general_examples`` are
its one-part short form), each a source (the help sections or a dataset), a language treatment
(``as_is``: English as written or a target-language dataset read as is; ``mt``; ``human``; ``cell``:
the cell's ``instructions`` axis) and a size — x-LLaMA: English Alpaca as is + translated
Alpaca; Llama-eus: translated No_Robots + SlimOrca; Nemotron: English as is. Machine
translation is document-level (``langadapt.mt.document``): long answers are segmented, never
cut. ``sft_set`` joins the general parts with the first ``xlate`` translation examples and
shuffles them with the cell seed.
"""

import random
from collections.abc import Callable

from langadapt.errors import config_error, file_error
from langadapt.textio import read_jsonl, write_jsonl

# Task phrases for a help section; rendered as "<phrase>: <heading>".
GENERAL_TASKS = [
    "Explain",
    "Describe",
    "Summarise the help section",
    "Tell me how to do this in LibreOffice",
    "What does the LibreOffice help say about this topic",
]
# x-LLaMA-style translation instructions (English; {src}/{tgt} are language names).
TRANSLATION_TEMPLATES = [
    "Translate the following text from {src} to {tgt}.\n{text}",
    "Translate this {src} sentence into {tgt}:\n{text}",
    "What is the {tgt} translation of the following {src} text?\n{text}",
    "{text}\n\nTranslate the text above into {tgt}.",
    "Render this in {tgt}: {text}",
]
SECTION_ORDER_SEED = 0  # fixed: the section and pair order does not depend on the cell seed
MAX_ANSWER_PARAGRAPHS = 3
MAX_ANSWER_CHARS = 500

Translate = Callable[[list[str]], list[str]]


def chat(user: str, assistant: str) -> list[dict]:
    return [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]


def _is_heading(record: dict) -> bool:
    return str(record.get("kind", "")).startswith("h")


def help_sections(records: list[dict]) -> list[dict]:
    """Sections ``{id, doc, heading_en, heading_target, answer_en, answer_target}``.

    Answers are lists of paragraphs (at most MAX_ANSWER_PARAGRAPHS, cut at MAX_ANSWER_CHARS on
    either side but always at least one). Sections without a paragraph are skipped.
    """
    missing = [key for key in ("kind", "doc", "order") if records and key not in records[0]]
    if missing:
        raise file_error("clean train split", f"records lack {missing}: not help-corpus records")
    ordered = sorted(
        (r for r in records if r.get("en") and r.get("target")),
        key=lambda r: (r["doc"], r["order"]),
    )
    sections, current = [], None
    for record in ordered:
        if _is_heading(record):
            current = {
                "id": record["id"],
                "doc": record["doc"],
                "heading_en": record["en"],
                "heading_target": record["target"],
                "answer_en": [],
                "answer_target": [],
            }
            sections.append(current)
        elif current is not None and current["doc"] == record["doc"]:
            if len(current["answer_en"]) >= MAX_ANSWER_PARAGRAPHS:
                continue
            en_chars = sum(map(len, current["answer_en"])) + len(record["en"])
            target_chars = sum(map(len, current["answer_target"])) + len(record["target"])
            if current["answer_en"] and max(en_chars, target_chars) > MAX_ANSWER_CHARS:
                continue
            current["answer_en"].append(record["en"])
            current["answer_target"].append(record["target"])
    sections = [s for s in sections if s["answer_en"]]
    random.Random(SECTION_ORDER_SEED).shuffle(sections)
    return sections


def translate_sections(sections: list[dict], translate: Translate | None) -> list[dict]:
    """Add ``task`` (English phrase), ``task_mt``, ``heading_mt`` and ``answer_mt`` (None
    without a translator; ``task_mt`` is then the English phrase).

    All lines go to the translator in one call (one output line per input line).
    """
    if translate is None:  # no MT configured: English and human sides only
        return [{**section, "task": GENERAL_TASKS[index % len(GENERAL_TASKS)],
                 "task_mt": GENERAL_TASKS[index % len(GENERAL_TASKS)], "heading_mt": None,
                 "answer_mt": None} for index, section in enumerate(sections)]
    lines = list(GENERAL_TASKS)
    for section in sections:
        lines.append(section["heading_en"])
        lines.extend(section["answer_en"])
    translated = translate(lines)
    if len(translated) != len(lines):
        raise RuntimeError(f"translator returned {len(translated)} lines for {len(lines)}")
    tasks_mt = dict(zip(GENERAL_TASKS, translated[: len(GENERAL_TASKS)], strict=True))
    position = len(GENERAL_TASKS)
    out = []
    for index, section in enumerate(sections):
        task = GENERAL_TASKS[index % len(GENERAL_TASKS)]
        size = len(section["answer_en"])
        heading_mt = translated[position]
        answer_mt = translated[position + 1 : position + 1 + size]
        position += 1 + size
        out.append(
            {
                **section,
                "task": task,
                "task_mt": tasks_mt[task],
                "heading_mt": heading_mt,
                "answer_mt": answer_mt,
            }
        )
    return out


def section_instruction(section: dict, arm: str) -> tuple[str, str]:
    """(user prompt, answer) of a translated section for arm ``mt``, ``human`` or ``en``."""
    if arm == "mt":
        heading, answer = section["heading_mt"], section["answer_mt"]
    elif arm == "human":
        heading, answer = section["heading_target"], section["answer_target"]
    elif arm == "en":
        return f"{section['task']}: {section['heading_en']}", "\n\n".join(section["answer_en"])
    else:
        raise ValueError(f"unknown arm {arm!r}")
    return f"{section['task_mt']}: {heading}", "\n\n".join(answer)


def general_instructions(sections: list[dict], arm: str, count: int,
                         key: str = "sft.general_examples") -> list[dict]:
    """The first ``count`` help sections as chat examples of arm ``mt``, ``human`` or ``en``."""
    if count > len(sections):
        raise config_error(
            key, f"{count} requested but the help corpus has {len(sections)} sections with text"
        )
    rows = []
    for section in sections[:count]:
        if arm == "mt" and section.get("answer_mt") is None:
            raise config_error(key, "machine-translated help instructions need "
                                    "synthetic.translation.enabled: true")
        prompt, answer = section_instruction(section, arm)
        rows.append(
            {
                "id": f"general/{section['id']}",
                "task": "general",
                "instructions": arm,
                "messages": chat(prompt, answer),
            }
        )
    return rows


def load_part_dataset(spec: dict, count: int, key: str, fields: list[str]):
    """The first ``count`` rows of a part's dataset; an error naming ``key`` if it has fewer."""
    from datasets import load_dataset

    if not spec.get("path"):
        raise config_error(f"{key}.dataset.path", "name a dataset (hub id, json, parquet)")
    arguments = {k: spec[k] for k in ("path", "name", "data_files") if spec.get(k)}
    dataset = load_dataset(**arguments, split=spec.get("split", "train"))
    for field in fields:
        if field not in dataset.column_names:
            raise config_error(f"{key}.dataset", f"column {field!r} not in {dataset.column_names}")
    if count > len(dataset):
        where = spec.get("data_files") or spec.get("split", "train")
        raise config_error(f"{key}.examples", f"{count} requested but dataset {spec['path']} "
                                              f"({where}) has {len(dataset)} rows")
    return dataset.select(range(count))


def general_from_dataset(spec: dict, count: int, translate: Translate | None,
                         key: str = "sft.general_dataset", max_chars: int = 400) -> list[dict]:
    """Instructions from a dataset, machine-translated when ``translate`` is given.

    ``spec``: ``path`` (hub id, or ``json``/``parquet`` with ``data_files``), optional
    ``name``, ``split`` (default ``train``), ``data_files``, ``prompt_field`` (default
    ``instruction``), ``input_field`` (optional, appended to the prompt), ``response_field``
    (default ``output``); or ``messages_field``: a column of OpenAI/ShareGPT conversations
    (multi-turn, system turns kept; ``langadapt.chat_formats``).
    """
    if spec.get("messages_field"):
        return _conversations_from_dataset(spec, count, translate, key, max_chars)
    fields = [spec.get("prompt_field", "instruction"), spec.get("response_field", "output")]
    rows = load_part_dataset(spec, count, key, fields)
    prompts = []
    for row in rows:
        prompt = row[fields[0]]
        if spec.get("input_field") and row.get(spec["input_field"]):
            prompt = f"{prompt}\n{row[spec['input_field']]}"
        prompts.append(prompt)
    responses = [row[fields[1]] for row in rows]
    texts = prompts + responses
    if translate is not None:
        texts = _translate_texts(texts, translate, max_chars)
    return [
        {
            "id": f"general/{spec['path']}/{index}",
            "task": "general",
            "instructions": "mt" if translate is not None else "as_is",
            "messages": chat(texts[index], texts[len(prompts) + index]),
        }
        for index in range(len(prompts))
    ]


def _conversations_from_dataset(spec: dict, count: int, translate: Translate | None, key: str,
                                max_chars: int) -> list[dict]:
    from langadapt.chat_formats import map_contents, sft_messages

    field = spec["messages_field"]
    rows = load_part_dataset(spec, count, key, [field])
    conversations = [sft_messages(row[field], f"{key}.messages_field", number)
                     for number, row in enumerate(rows, 1)]
    if translate is not None:
        conversations = map_contents(
            conversations, lambda texts: _translate_texts(texts, translate, max_chars))
    return [{"id": f"general/{spec['path']}/{index}", "task": "general",
             "instructions": "mt" if translate is not None else "as_is", "messages": messages}
            for index, messages in enumerate(conversations)]


HELP_ARMS = {"as_is": "en", "mt": "mt", "human": "human"}


def part_instructions(part: dict, key: str, arm: str, sections: list[dict],
                      translate_factory: Callable[[], Translate], max_chars: int = 400):
    """Rows of one SFT part for a cell whose ``instructions`` axis is ``arm``."""
    treatment = arm if part["treatment"] == "cell" else part["treatment"]
    if part["examples"] == 0:
        return []
    if part.get("dataset") is None:
        rows = general_instructions(sections, HELP_ARMS[treatment], part["examples"],
                                    f"{key}.examples")
    else:
        translate = translate_factory() if treatment == "mt" else None
        rows = general_from_dataset(part["dataset"], part["examples"], translate, key, max_chars)
    return [{**row, "id": f"{part['name']}/{row['id']}", "part": part["name"],
             "instructions": treatment} for row in rows]


def _translate_texts(texts: list[str], translate: Translate, max_chars: int = 400) -> list[str]:
    """Translate multi-line texts document-level (segmented, so no backend input is cut),
    keeping line breaks (``langadapt.mt.document``)."""
    from langadapt.mt.document import translate_documents

    return translate_documents(texts, translate, max_chars)


def usable_pairs(pairs: list[dict], min_chars: int = 20, max_chars: int = 300) -> list[dict]:
    """Parallel pairs a translation-task example can use, sorted by id."""
    usable = [
        p
        for p in pairs
        if p.get("en") and p.get("target") and min_chars <= len(p["en"]) <= max_chars
    ]
    usable.sort(key=lambda p: p["id"])
    return usable


def translation_instructions(
    pairs: list[dict],
    count: int,
    direction: str,
    language_name: str,
    min_chars: int = 20,
    max_chars: int = 300,
) -> list[dict]:
    """The first ``count`` translation-task examples in a fixed order (nested across sizes).

    ``direction``: ``en-xx`` (English prompt, target-language answer), ``xx-en``, or ``both``
    (alternating, starting with en-xx). Pairs outside [min_chars, max_chars] are skipped.
    """
    if direction not in ("en-xx", "xx-en", "both"):
        raise config_error("sft.translation_direction", f"{direction!r}: en-xx, xx-en or both")
    usable = usable_pairs(pairs, min_chars, max_chars)
    random.Random(SECTION_ORDER_SEED).shuffle(usable)
    if count > len(usable):
        raise config_error(
            "sft.grid.translation_examples",
            f"{count} requested but only {len(usable)} parallel training pairs are usable",
        )
    rows = []
    for index, pair in enumerate(usable[:count]):
        forward = direction == "en-xx" or (direction == "both" and index % 2 == 0)
        src, tgt = ("English", language_name) if forward else (language_name, "English")
        source, answer = (pair["en"], pair["target"]) if forward else (pair["target"], pair["en"])
        template = TRANSLATION_TEMPLATES[random.Random(index).randrange(len(TRANSLATION_TEMPLATES))]
        rows.append(
            {
                "id": f"translation/{pair['id']}",
                "task": "translation",
                "direction": "en-xx" if forward else "xx-en",
                "messages": chat(template.format(src=src, tgt=tgt, text=source), answer),
            }
        )
    return rows


def sft_set(general: list[dict], translation: list[dict], xlate: int, seed: int) -> list[dict]:
    """General instructions + the first ``xlate`` translation examples, shuffled with ``seed``."""
    if xlate > len(translation):
        raise config_error(
            "sft.grid.translation_examples", f"{xlate} > {len(translation)} built examples"
        )
    rows = list(general) + list(translation[:xlate])
    random.Random(int(seed)).shuffle(rows)
    return rows


# ---- one function per rule (rules/sft.smk) -------------------------------------------------


def _translator(spec: dict) -> Translate:
    from langadapt.mt import get_translator

    return get_translator(spec).translate


def help_section_counts(config: dict) -> tuple[int, int]:
    """(SFT, DPO) help sections: every SFT help part reads the first sections (its arms and
    treatments differ in language, not content); DPO's help pairs come after them."""
    sft = [p["examples"] for p in config["sft"]["parts"] if p.get("dataset") is None]
    dpo = [p["examples"] for p in config["dpo"]["parts"] if p.get("dataset") is None]
    if not config["dpo"].get("enabled", True):
        dpo = []
    return max(sft, default=0), sum(dpo)


def write_sections(train_path, out_path, translation_spec: dict, count: int) -> int:
    """Rule instruct_sections: the first ``count`` help sections, machine-translated when
    synthetic translation is enabled (else only the English and human sides)."""
    if count == 0:  # no help part: the clean split may hold no help-corpus records at all
        return write_jsonl(out_path, [])
    sections = help_sections(read_jsonl(train_path))[:count]
    translate = None
    if sections and translation_spec.get("enabled", True):
        translate = _translator(translation_spec)
    return write_jsonl(out_path, translate_sections(sections, translate) if sections else [])


def write_general(sections_path, out_path, arm: str, parts: list[dict],
                  translation_spec=None) -> int:
    """Rule instruct_general: the general parts (``sft.parts``) of arm ``mt`` or ``human``."""
    for index, part in enumerate(parts):
        treatment = arm if part["treatment"] == "cell" else part["treatment"]
        if treatment == "mt" and part["examples"] and not (translation_spec or {}).get(
                "enabled", True):
            raise config_error(f"sft.parts[{index}].treatment",
                               f"{part['treatment']} machine-translates part '{part['name']}' "
                               "but synthetic.translation.enabled is false")
    sections = read_jsonl(sections_path)
    translator = []

    def translate_factory():
        if not translator:
            translator.append(_translator(translation_spec))
        return translator[0]

    max_chars = int((translation_spec or {}).get("max_segment_chars") or 400)
    rows = []
    for index, part in enumerate(parts):
        rows.extend(part_instructions(part, f"sft.parts[{index}]", arm, sections,
                                      translate_factory, max_chars))
    return write_jsonl(out_path, rows)


def write_translation(train_path, out_path, count: int, direction: str, language_name: str):
    """Rule instruct_translation: the ``count`` first translation-task examples."""
    rows = translation_instructions(read_jsonl(train_path), count, direction, language_name)
    return write_jsonl(out_path, rows)


def write_sft_set(general_path, translation_path, out_path, xlate: int, seed: int,
                  parts: list[str] | None = None) -> int:
    """Rule instruct_sft_set: one SFT cell's training set; ``parts``: the cell's part set (the
    general rows of those ``sft.parts``; None: every row)."""
    general = read_jsonl(general_path)
    if parts is not None:
        general = [row for row in general if row["part"] in parts]
    rows = sft_set(general, read_jsonl(translation_path), int(xlate), seed)
    return write_jsonl(out_path, rows)
