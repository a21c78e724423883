"""Instruction and preference data built from the help corpus (no model, no MT backend)."""

import json

import pytest
from langadapt import instructions as inst
from langadapt import preferences as prefs
from langadapt.errors import LangadaptError


def fake_mt(lines):
    """A stand-in translator: marks each line so MT output is recognisable."""
    return [f"MT<{line}>" for line in lines]


@pytest.fixture(scope="module")
def records(fixture_dir):
    return inst.read_jsonl(fixture_dir / "help_sections.jsonl")


@pytest.fixture(scope="module")
def sections(records):
    return inst.translate_sections(inst.help_sections(records), fake_mt)


@pytest.fixture(scope="module")
def pairs(fixture_dir):
    return inst.read_jsonl(fixture_dir / "clean_train.jsonl")


def test_sections_follow_headings_within_a_document(records):
    sections = inst.help_sections(records)
    by_heading = {s["heading_en"]: s for s in sections}
    assert len(sections) == 12
    table = by_heading["Inserting Tables"]
    assert table["answer_en"] == [
        "Choose Table - Insert Table to open the dialog.",
        "Enter the number of columns and rows.",
    ]
    assert table["answer_target"][1] == "Introduza o número de columnas e filas."
    assert by_heading["Table Styles"]["heading_target"] == "Estilos de táboa"
    # order is fixed, not the file order and not the cell seed
    assert [s["id"] for s in inst.help_sections(records)] == [s["id"] for s in sections]


def test_mt_and_human_arms_differ_only_in_translated_text(sections):
    mt = inst.general_instructions(sections, "mt", 5)
    human = inst.general_instructions(sections, "human", 5)
    for a, b, section in zip(mt, human, sections, strict=False):
        assert [m["role"] for m in a["messages"]] == ["user", "assistant"]
        task_mt = f"MT<{section['task']}>: "
        assert a["messages"][0]["content"] == task_mt + f"MT<{section['heading_en']}>"
        assert b["messages"][0]["content"] == task_mt + section["heading_target"]
        assert b["messages"][1]["content"] == "\n\n".join(section["answer_target"])
        assert a["messages"][1]["content"].startswith("MT<")
    with pytest.raises(LangadaptError, match="sft.general_examples"):
        inst.general_instructions(sections, "mt", 99)


def test_translation_direction_and_templates(pairs):
    en_xx = inst.translation_instructions(pairs, 40, "en-xx", "Galician")
    by_id = {p["id"]: p for p in pairs}
    templates = set()
    for row in en_xx:
        pair = by_id[row["id"].split("/", 1)[1]]
        user, answer = row["messages"][0]["content"], row["messages"][1]["content"]
        assert row["direction"] == "en-xx"
        assert answer == pair["target"] and pair["en"] in user
        assert "from English to Galician" in user or "into Galician" in user or "Galician" in user
        templates.add(user.replace(pair["en"], "{text}"))
    assert len(templates) >= 4  # several templates in use
    xx_en = inst.translation_instructions(pairs, 10, "xx-en", "Galician")
    assert all(by_id[r["id"].split("/", 1)[1]]["en"] == r["messages"][1]["content"] for r in xx_en)
    both = inst.translation_instructions(pairs, 10, "both", "Galician")
    assert [r["direction"] for r in both] == ["en-xx", "xx-en"] * 5
    with pytest.raises(LangadaptError, match="translation_direction"):
        inst.translation_instructions(pairs, 10, "gl-en", "Galician")


def test_translation_sets_are_nested(pairs):
    small = inst.translation_instructions(pairs, 16, "en-xx", "Galician")
    large = inst.translation_instructions(pairs, 64, "en-xx", "Galician")
    assert large[:16] == small


def test_sft_set_is_general_plus_first_translations_shuffled_by_seed(sections, pairs):
    general = inst.general_instructions(sections, "mt", 6)
    translation = inst.translation_instructions(pairs, 64, "en-xx", "Galician")
    set_32 = inst.sft_set(general, translation, 32, seed=1)
    set_16 = inst.sft_set(general, translation, 16, seed=1)
    ids_32 = {r["id"] for r in set_32}
    assert {r["id"] for r in set_16} < ids_32
    assert len(set_32) == 6 + 32 and {r["id"] for r in general} <= ids_32
    assert set_32 == inst.sft_set(general, translation, 32, seed=1)
    assert set_32 != inst.sft_set(general, translation, 32, seed=2)


def test_preferences_prefer_human_over_mt(sections):
    rows = prefs.help_preferences(sections, 4, skip=6)
    sft_ids = {s["id"] for s in sections[:6]}
    for row in rows:
        assert row["id"].split("/", 1)[1] not in sft_ids
        assert row["rejected_source"] == "mt"
        assert row["rejected"][0]["content"].startswith("MT<")
        assert not row["chosen"][0]["content"].startswith("MT<")
        assert row["prompt"][0]["role"] == "user"
    with pytest.raises(LangadaptError, match="dpo.preference_pairs"):
        prefs.help_preferences(sections, 10, skip=6)


def test_preferences_fall_back_to_english_when_mt_equals_human(sections):
    copied = [{**s, "answer_mt": list(s["answer_target"])} for s in sections]
    rows = prefs.help_preferences(copied, 2, skip=0)
    assert all(row["rejected_source"] == "en" for row in rows)
    assert rows[0]["rejected"][0]["content"] == "\n\n".join(copied[0]["answer_en"])


def test_general_dataset_from_local_jsonl(tmp_path):
    path = tmp_path / "alpaca.jsonl"
    rows = [
        {"instruction": "Name a colour.", "input": "", "output": "Blue."},
        {"instruction": "Add the numbers.", "input": "2 and 3", "output": "Five.\nThat is 5."},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    spec = {"path": "json", "data_files": str(path), "input_field": "input"}
    out = inst.general_from_dataset(spec, 2, fake_mt)
    assert len(out) == 2
    with pytest.raises(LangadaptError, match="'sft.general_dataset.examples': 5 requested"):
        inst.general_from_dataset(spec, 5, fake_mt)  # never cut silently to what the file has
    assert out[1]["messages"][0]["content"] == "MT<Add the numbers.>\nMT<2 and 3>"
    assert out[1]["messages"][1]["content"] == "MT<Five.>\nMT<That is 5.>"
    with pytest.raises(LangadaptError, match="general_dataset"):
        inst.general_from_dataset({**spec, "response_field": "answer"}, 2, fake_mt)
