"""Preference pairs for DPO: ``{"id", "prompt", "chosen", "rejected"}`` in chat format.

Offline default, from the translated help sections (``langadapt.instructions``): the prompt is
the section task with the human target-language heading; **chosen** is the human
target-language answer; **rejected** is the machine-translated answer to the same prompt, or —
where MT output equals the human text — the English answer. MT-as-rejected is the default
because it is the informative contrast: both answers are in the target language and carry the
same content, so the preference teaches fluency and terminology (what human translation adds),
not merely "answer in the right language", which an English rejected answer teaches and which
the SFT stage already covers; English is the fallback so no pair has chosen == rejected.
Sections used here come after the ones used for SFT general instructions, so DPO prompts are
new to the model.

A preference set is a list of parts (``dpo.parts``; ``dpo.preference_dataset`` and
``preference_pairs`` are its one-part short form): the help corpus, or a dataset with
``prompt``/``chosen``/``rejected`` text fields taken as is (English, or already in the target
language) or machine-translated (all three fields, document-level). Nemotron: English pairs as
is + machine-translated Hindi pairs; Llama-eus: machine-translated UltraFeedback.
"""

from langadapt.errors import config_error
from langadapt.instructions import _translate_texts, section_instruction


def _normalise(text: str) -> str:
    return " ".join(text.lower().split())


def help_preferences(sections: list[dict], count: int, skip: int) -> list[dict]:
    """``count`` pairs from the translated sections after the first ``skip`` (SFT's share)."""
    pool = sections[skip:]
    if len(pool) < count:
        raise config_error(
            "dpo.preference_pairs",
            f"{count} requested but only {len(pool)} help sections remain after the "
            f"{skip} used for SFT (lower dpo.preference_pairs or sft.general_examples)",
        )
    rows = []
    for section in pool[:count]:
        prompt, chosen = section_instruction(section, "human")
        source, rejected = "en", None
        if section.get("answer_mt") is not None:  # without MT the English answer is rejected
            _, rejected = section_instruction(section, "mt")
            source = "mt"
        if rejected is None or _normalise(rejected) == _normalise(chosen):
            _, rejected = section_instruction(section, "en")
            source = "en"
        rows.append(
            {
                "id": f"preference/{section['id']}",
                "prompt": [{"role": "user", "content": prompt}],
                "chosen": [{"role": "assistant", "content": chosen}],
                "rejected": [{"role": "assistant", "content": rejected}],
                "rejected_source": source,
            }
        )
    return rows


def dataset_preferences(spec: dict, count: int, translate, key: str = "dpo.preference_dataset",
                        max_chars: int = 400) -> list[dict]:
    """Pairs from a preference dataset, text fields or conversational (``chosen``/``rejected``
    as message lists; ``prompt_field: null`` when the prompt is the turns they share);
    machine-translated when ``translate`` is given, as written otherwise (English as is, or a
    human-translated target set)."""
    from langadapt.chat_formats import map_contents, preference_pair
    from langadapt.instructions import load_part_dataset

    prompt_field = spec.get("prompt_field", "prompt")
    answers = [spec.get(f"{k}_field", k) for k in ("chosen", "rejected")]
    rows = load_part_dataset(spec, count, key, [f for f in [prompt_field, *answers] if f])
    pairs = [preference_pair(row[prompt_field] if prompt_field else None,
                             row[answers[0]], row[answers[1]], f"{key}.dataset", number)
             for number, row in enumerate(rows, 1)]
    if translate is not None:
        turns = map_contents([pair[name] for pair in pairs
                              for name in ("prompt", "chosen", "rejected")],
                             lambda texts: _translate_texts(texts, translate, max_chars))
        pairs = [dict(zip(("prompt", "chosen", "rejected"), turns[3 * i: 3 * i + 3],
                          strict=True)) for i in range(len(pairs))]
    return [{"id": f"preference/{spec['path']}/{i}", **pair, "rejected_source": "dataset"}
            for i, pair in enumerate(pairs)]


def write_preferences(sections_path, out_path, parts: list[dict], skip: int,
                      translation_spec=None) -> int:
    """Rule instruct_preferences: the DPO pairs of every part of ``dpo.parts``."""
    from langadapt.textio import read_jsonl, write_jsonl

    max_chars = int((translation_spec or {}).get("max_segment_chars") or 400)
    rows = []
    for index, part in enumerate(parts):
        key, count = f"dpo.parts[{index}]", part["examples"]
        if count == 0:
            continue
        if part.get("dataset") is None:
            part_rows = help_preferences(read_jsonl(sections_path), count, skip)
        else:
            translate = None
            if part["treatment"] == "mt":
                from langadapt.mt import get_translator

                translate = get_translator(translation_spec).translate
            part_rows = dataset_preferences(part["dataset"], count, translate, key, max_chars)
        rows.extend({**row, "id": f"{part['name']}/{row['id']}", "part": part["name"],
                     "treatment": part["treatment"]} for row in part_rows)
    return write_jsonl(out_path, rows)


def write_preference_set(preferences_path, out_path, set_name: str, parts: list[str]) -> int:
    """Rule instruct_preference_set: the rows of ``parts`` (preference set ``set_name`` of
    ``dpo.part_sets``); a set that keeps no pair stops naming its key."""
    from langadapt.errors import config_error
    from langadapt.textio import read_jsonl, write_jsonl

    rows = [row for row in read_jsonl(preferences_path) if row["part"] in parts]
    if not rows:
        raise config_error(f"dpo.part_sets.{set_name}", f"no preference pair of parts {parts} "
                                                        f"in {preferences_path}")
    return write_jsonl(out_path, rows)
