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

Paper configs can name an English preference dataset (``dpo.preference_dataset``, e.g.
UltraFeedback) with ``prompt``/``chosen``/``rejected`` text fields; all three are
machine-translated.
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
        _, rejected = section_instruction(section, "mt")
        source = "mt" if section.get("machine_translated", True) else "en"
        if _normalise(rejected) == _normalise(chosen):
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


def dataset_preferences(spec: dict, count: int, translate) -> list[dict]:
    """Pairs from an English preference dataset with text fields, machine-translated."""
    from datasets import load_dataset

    if not spec.get("path"):
        raise config_error("dpo.preference_dataset.path", "name a dataset (hub id, json, parquet)")
    arguments = {k: spec[k] for k in ("path", "name", "data_files") if spec.get(k)}
    dataset = load_dataset(**arguments, split=spec.get("split", "train"))
    fields = [spec.get(f"{k}_field", k) for k in ("prompt", "chosen", "rejected")]
    for field in fields:
        if field not in dataset.column_names:
            raise config_error(
                "dpo.preference_dataset", f"column {field!r} not in {dataset.column_names}"
            )
    rows = dataset.select(range(min(count, len(dataset))))
    texts = [row[field] for field in fields for row in rows]
    translated = _translate_texts(texts, translate)
    n = len(rows)
    return [
        {
            "id": f"preference/{spec['path']}/{i}",
            "prompt": [{"role": "user", "content": translated[i]}],
            "chosen": [{"role": "assistant", "content": translated[n + i]}],
            "rejected": [{"role": "assistant", "content": translated[2 * n + i]}],
            "rejected_source": "dataset",
        }
        for i in range(n)
    ]


def write_preferences(
    sections_path, out_path, count: int, skip: int, dataset_spec=None, translation_spec=None
) -> int:
    """Rule instruct_preferences: ``count`` DPO pairs (help sections or a dataset)."""
    from langadapt.textio import read_jsonl, write_jsonl

    if dataset_spec:
        from langadapt.mt import get_translator

        translate = get_translator(translation_spec).translate
        rows = dataset_preferences(dataset_spec, count, translate)
    else:
        rows = help_preferences(read_jsonl(sections_path), count, skip)
    return write_jsonl(out_path, rows)
