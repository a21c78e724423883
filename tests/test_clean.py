import pytest
from langadapt.clean import cap_records, clean_and_split, clean_files
from langadapt.errors import LangadaptError
from langadapt.textio import read_jsonl, write_jsonl

SPLIT = {"test_groups": ["smath"], "dev_groups": ["sdraw"], "max_test_pairs": 10}


def pair(number, group, en, target):
    return {"id": f"s:{number}", "group": group, "en": en, "target": target}


def test_drops_empty_identical_and_duplicates_and_counts_them():
    records = [
        pair(1, "swriter", "Open  a file", "Abrir un\u00a0ficheiro"),
        pair(2, "swriter", "Open a file", "Abrir un ficheiro"),  # same pair after normalising
        pair(3, "swriter", "Open the file", "Abrir un ficheiro"),  # same target
        pair(4, "swriter", "String", "String"),  # untranslated
        pair(5, "swriter", "Orphan", ""),  # empty side
        pair(6, "smath", "Formula", "Fórmula"),
        pair(7, "sdraw", "Page", "Páxina"),
        {"id": "m:1", "group": "swriter", "en": None, "target": "Texto só en galego"},
    ]
    splits, report = clean_and_split({"s": records}, SPLIT)
    assert [r["id"] for r in splits["train"]] == ["s:1", "m:1"]
    assert splits["train"][0] == {
        "id": "s:1",
        "group": "swriter",
        "source": "s",
        "en": "Open a file",
        "target": "Abrir un ficheiro",
    }
    assert [r["id"] for r in splits["test"]] == ["s:6"] and [r["id"] for r in splits["dev"]] == [
        "s:7"
    ]
    counts = report["sources"]["s"]
    assert (counts["dropped_empty"], counts["dropped_identical"]) == (1, 1)
    assert (counts["duplicates_pair"], counts["duplicates_target"]) == (1, 1)
    assert report["duplicates_removed"] == 2
    assert counts["kept"] == {"train": 2, "dev": 1, "test": 1}


def test_held_out_text_and_its_duplicates_are_removed_from_train():
    records = [
        pair(1, "smath", "Choose Format - Spacing", "Escolla Formato - Espazamento"),
        pair(
            2, "swriter", "choose format - spacing", "Escolla Formato > Espazamento"
        ),  # en repeats
        pair(3, "swriter", "Other words", "ESCOLLA FORMATO - ESPAZAMENTO"),  # target repeats
        pair(4, "swriter", "Keep me", "Consérvame"),
        pair(5, "sdraw", "Page", "Páxina"),
    ]
    splits, report = clean_and_split({"s": records}, SPLIT)
    assert [r["id"] for r in splits["train"]] == ["s:4"]
    assert report["held_out_overlap_removed"] == 2


def test_cap_is_deterministic_and_keeps_document_order():
    records = [pair(i, "smath", f"e{i}", f"t{i}") for i in range(50)]
    capped = cap_records(records, 10)
    assert capped == cap_records(list(records), 10) and len(capped) == 10
    numbers = [int(r["id"].split(":")[1]) for r in capped]
    assert numbers == sorted(numbers) and numbers != list(range(10))


def test_held_out_groups_that_match_nothing_list_the_groups_present():
    records = [pair(1, "swriter", "a", "b"), pair(2, "sdraw", "c", "d")]
    with pytest.raises(
        LangadaptError, match=r"'split.test_groups': no cleaned record .*swriter \(1\)"
    ):
        clean_and_split({"s": records}, SPLIT)


def test_group_in_test_and_dev_is_a_config_error():
    with pytest.raises(LangadaptError, match=r"'split.dev_groups'"):
        clean_and_split({"s": []}, {**SPLIT, "dev_groups": ["smath"]})


def test_empty_corpus_after_cleaning():
    records = [pair(1, "smath", "Same", "Same"), pair(2, "smath", "", "")]
    with pytest.raises(
        LangadaptError, match=r"'sources': no text left after cleaning \(2 records read from s"
    ):
        clean_and_split({"s": records}, SPLIT)


def test_clean_files_writes_outputs_and_keeps_old_ones_on_error(tmp_path):
    source = tmp_path / "s.jsonl"
    write_jsonl(
        source,
        [pair(1, "swriter", "a", "b"), pair(2, "smath", "c", "d"), pair(3, "sdraw", "e", "f")],
    )
    outputs = {name: tmp_path / f"clean/{name}.jsonl" for name in ("train", "dev", "test")}
    outputs["report"] = tmp_path / "clean/report.json"
    report = clean_files({"s": str(source)}, SPLIT, outputs)
    assert report["splits"]["train"]["records"] == 1
    assert read_jsonl(outputs["test"])[0]["target"] == "d"
    write_jsonl(source, [pair(1, "swriter", "a", "a")])
    with pytest.raises(LangadaptError):
        clean_files({"s": str(source)}, SPLIT, outputs)
    assert read_jsonl(outputs["train"])[0]["target"] == "b"
