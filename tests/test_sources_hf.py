import json

import datasets
import pytest
from langadapt.errors import LangadaptError
from langadapt.sources.hf_dataset import load

ROWS = [
    {"en": "Hello", "gl": "Ola", "module": "a", "translation": {"en": "Hello", "gl": "Ola"}},
    {
        "en": "Goodbye",
        "gl": "Adeus",
        "module": "b",
        "translation": {"en": "Goodbye", "gl": "Adeus"},
    },
    {
        "en": "Thanks",
        "gl": "Grazas",
        "module": "b",
        "translation": {"en": "Thanks", "gl": "Grazas"},
    },
]


def source(**options):
    defaults = {
        "name": "hf",
        "type": "hf_dataset",
        "split": "train",
        "config_name": None,
        "revision": None,
        "data_files": None,
        "max_rows": None,
    }
    return {**defaults, **options}


@pytest.fixture
def jsonl(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in ROWS), encoding="utf-8")
    return path


def test_json_builder_parallel_columns_with_groups(jsonl):
    config = source(
        repo="json",
        data_files=str(jsonl),
        english_column="en",
        target_column="gl",
        group_column="module",
    )
    assert load(config, "gl") == [
        {"id": "hf:1", "group": "a", "en": "Hello", "target": "Ola"},
        {"id": "hf:2", "group": "b", "en": "Goodbye", "target": "Adeus"},
        {"id": "hf:3", "group": "b", "en": "Thanks", "target": "Grazas"},
    ]


def test_parquet_builder_translation_dicts_and_max_rows(tmp_path):
    path = tmp_path / "rows.parquet"
    datasets.Dataset.from_list(ROWS).to_parquet(str(path))
    config = source(
        repo="parquet", data_files=str(path), translation_column="translation", max_rows=2
    )
    records = load(config, "gl")
    assert [(r["en"], r["target"]) for r in records] == [("Hello", "Ola"), ("Goodbye", "Adeus")]


def test_translation_dict_without_the_language(jsonl):
    config = source(repo="json", data_files=str(jsonl), translation_column="translation")
    with pytest.raises(
        LangadaptError,
        match=r"row 1: translation dict has languages \['en', 'gl'\]; "
        r"need 'en' and 'eu' \(config key 'language.code'\)",
    ):
        load(config, "eu")


def test_directory_of_files_and_save_to_disk(tmp_path, jsonl):
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "train.jsonl").write_text(jsonl.read_text(encoding="utf-8"), encoding="utf-8")
    saved = tmp_path / "saved"
    datasets.Dataset.from_list(ROWS).save_to_disk(str(saved))
    for repo in (folder, saved):
        records = load(source(repo=str(repo), text_column="gl"), "gl")
        assert [r["target"] for r in records] == ["Ola", "Adeus", "Grazas"]
        assert records[0]["en"] is None and records[0]["group"] == "hf:0"


def test_missing_dataset_names_config_key(tmp_path):
    config = source(repo=str(tmp_path / "nowhere"), text_column="text")
    with pytest.raises(
        LangadaptError, match=r"config key 'sources\[3\].repo': cannot load dataset"
    ):
        load(config, "gl", "sources[3]")
