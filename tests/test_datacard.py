from conftest import LOHELP
from langadapt.clean import clean_files
from langadapt.datacard import build_card, filter_keep_rates, render_markdown, write_card
from langadapt.sources.libreoffice_help import align_trees, help_tree
from langadapt.textio import read_json, write_json, write_jsonl

CONFIG = {
    "language": {"code": "gl", "name": "Galician", "script": "Latn"},
    "sources": [{"name": "lohelp", "type": "libreoffice_help", "package": "libreoffice-help-gl"}],
}
SPLIT = {"test_groups": ["smath"], "dev_groups": ["schart"], "max_test_pairs": 10}


def clean_fixture(tmp_path):
    english = help_tree(LOHELP / "en-us", "en", "k", english=True)
    records = align_trees(english, help_tree(LOHELP / "gl", "gl", "k"))
    write_jsonl(tmp_path / "lohelp.jsonl", records)
    outputs = {name: tmp_path / f"{name}.jsonl" for name in ("train", "dev", "test")}
    outputs["report"] = tmp_path / "report.json"
    clean_files({"lohelp": tmp_path / "lohelp.jsonl"}, SPLIT, outputs)
    return {name: outputs[name] for name in ("train", "dev", "test")}, outputs["report"]


def test_card_counts_fertility_filters_and_provenance(tmp_path, tiny_tokenizer_dir):
    splits, report = clean_fixture(tmp_path)
    write_json(
        tmp_path / "meta.json",
        {"package": "libreoffice-help-gl", "version": "4:7.4", "sha256": "ab" * 32},
    )
    write_json(
        tmp_path / "filters.json",
        {"filters": [{"name": "length_ratio", "kept": 90, "dropped": 10}]},
    )
    write_json(tmp_path / "mix.json", {"tokens": {"real": 10}})
    card = build_card(
        CONFIG,
        "cafe",
        splits,
        report,
        tiny_tokenizer_dir,
        [tmp_path / "meta.json"],
        tmp_path / "filters.json",
        [tmp_path / "mix.json"],
    )
    assert card["splits"]["test"]["records"] == 10 and card["splits"]["dev"]["records"] == 10
    assert card["splits"]["train"]["records"] == read_json(report)["splits"]["train"]["records"]
    assert (
        card["splits_by_source"]["train"]["lohelp"]["words_en"]
        == card["splits"]["train"]["words_en"]
    )
    assert card["splits"]["train"]["tokens_target"] > card["splits"]["train"]["words_target"]
    # The tokenizer learnt English only: a Galician word costs more tokens than an English one.
    assert card["fertility"]["target"] > card["fertility"]["en"]
    assert card["fertility"]["target_over_en"] > 1
    assert card["synthetic_filters"] == [
        {"name": "length_ratio", "kept": 90, "dropped": 10, "keep_rate": 0.9}
    ]
    assert card["provenance"]["debian_packages"][0]["version"] == "4:7.4"
    assert card["provenance"]["tools"]["transformers"]
    assert card["cleaning"]["dropped_identical"] == 22 and card["mixtures"][0]["tokens"] == {
        "real": 10
    }
    write_card(card, tmp_path / "card.json", tmp_path / "card.md")
    markdown = (tmp_path / "card.md").read_text(encoding="utf-8")
    for heading in (
        "# Data card: Galician (gl)",
        "## Tokenizer fertility",
        "## Cleaning",
        "## Synthetic-data filters",
        "libreoffice-help-gl",
    ):
        assert heading in markdown


def test_card_without_tokenizer_or_filters(tmp_path):
    splits, report = clean_fixture(tmp_path)
    card = build_card(CONFIG, "cafe", splits, report)
    assert card["fertility"] is None and "tokens_en" not in card["splits"]["train"]
    assert "## Tokenizer fertility" not in render_markdown(card)


def test_filter_keep_rate_of_an_empty_filter():
    assert (
        filter_keep_rates({"filters": [{"name": "x", "kept": 0, "dropped": 0}]})[0]["keep_rate"]
        is None
    )
