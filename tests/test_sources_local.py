import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from langadapt.errors import LangadaptError
from langadapt.sources import load_source
from langadapt.sources.local import load


def source(**options):
    return {"name": "loc", "type": "local", **options}


def test_monolingual_text_skips_blank_lines_and_keeps_line_ids(tmp_path):
    path = tmp_path / "gl.txt"
    path.write_text("Ola mundo\n\nAdeus\n", encoding="utf-8")
    records = load(source(path=str(path)), "gl")
    assert records == [
        {"id": "loc:1", "group": "loc:0", "en": None, "target": "Ola mundo"},
        {"id": "loc:3", "group": "loc:0", "en": None, "target": "Adeus"},
    ]


def test_parallel_text_with_bom_and_crlf(tmp_path):
    (tmp_path / "gl.txt").write_bytes("\ufeffOla\r\nAdeus\n".encode())
    (tmp_path / "en.txt").write_bytes(b"Hello\nGoodbye\r\n")
    records = load(
        source(path=str(tmp_path / "gl.txt"), english_path=str(tmp_path / "en.txt")), "gl"
    )
    assert [(r["en"], r["target"]) for r in records] == [("Hello", "Ola"), ("Goodbye", "Adeus")]


def test_parallel_text_files_of_different_length(tmp_path):
    (tmp_path / "gl.txt").write_text("a\nb\nc\n", encoding="utf-8")
    (tmp_path / "en.txt").write_text("a\nb\n", encoding="utf-8")
    config = source(path=str(tmp_path / "gl.txt"), english_path=str(tmp_path / "en.txt"))
    with pytest.raises(
        LangadaptError, match=r"gl.txt: parallel files differ in length: 3 lines .* 2 in"
    ):
        load(config, "gl", "sources[1]")


def test_parallel_text_empty_side_is_kept_for_cleaning_to_count(tmp_path):
    (tmp_path / "gl.txt").write_text("Ola\n\n", encoding="utf-8")
    (tmp_path / "en.txt").write_text("Hello\nOrphan\n", encoding="utf-8")
    records = load(
        source(path=str(tmp_path / "gl.txt"), english_path=str(tmp_path / "en.txt")), "gl"
    )
    assert records[1] == {"id": "loc:2", "group": "loc:0", "en": "Orphan", "target": ""}


def test_invalid_utf8_text_names_the_line(tmp_path):
    (tmp_path / "gl.txt").write_bytes("boa\nmañá\n".encode("cp1252"))
    with pytest.raises(LangadaptError, match=r"gl.txt:2: invalid UTF-8"):
        load(source(path=str(tmp_path / "gl.txt")), "gl")


def test_jsonl_parallel_with_groups(tmp_path):
    path = tmp_path / "pairs.jsonl"
    rows = [{"en": "Hello", "gl": "Ola", "doc": "a"}, {"en": "Bye", "gl": "Adeus", "doc": "b"}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    config = source(path=str(path), english_column="en", target_column="gl", group_column="doc")
    assert load(config, "gl") == [
        {"id": "loc:1", "group": "a", "en": "Hello", "target": "Ola"},
        {"id": "loc:2", "group": "b", "en": "Bye", "target": "Adeus"},
    ]


def test_jsonl_missing_column_names_line_and_config_key(tmp_path):
    path = tmp_path / "pairs.jsonl"
    path.write_text('{"en": "a", "gl": "b"}\n{"en": "c"}\n', encoding="utf-8")
    config = source(path=str(path), english_column="en", target_column="gl")
    with pytest.raises(
        LangadaptError, match=r"pairs.jsonl:2: no column 'gl' .*sources\[2\].target_column"
    ):
        load(config, "gl", "sources[2]")


def test_jsonl_malformed_line(tmp_path):
    path = tmp_path / "mono.jsonl"
    path.write_text('{"text": "a"}\n{"text": "b"\n', encoding="utf-8")
    with pytest.raises(LangadaptError, match=r"mono.jsonl:2: malformed JSON line"):
        load(source(path=str(path), text_column="text"), "gl")


def test_parquet_monolingual(tmp_path):
    path = tmp_path / "mono.parquet"
    pq.write_table(pa.table({"text": ["Un", "Dous"]}), path)
    records = load(source(path=str(path), text_column="text"), "gl")
    assert [r["target"] for r in records] == ["Un", "Dous"] and records[0]["en"] is None


def test_source_without_columns_is_a_config_error(tmp_path):
    path = tmp_path / "mono.jsonl"
    path.write_text('{"text": "a"}\n', encoding="utf-8")
    with pytest.raises(LangadaptError, match=r"config key 'sources\[0\]': say where the text is"):
        load(source(path=str(path)), "gl", "sources[0]")


def test_unconfigured_language_and_unknown_source():
    config = {"language": {"code": "gl"}, "sources": [source(path="x.txt")]}
    with pytest.raises(
        LangadaptError, match=r"'language.code': no sources are configured for language 'eu'"
    ):
        load_source(config, "loc", "eu")
    with pytest.raises(
        LangadaptError, match=r"'sources': no source named 'web' \(configured: loc\)"
    ):
        load_source(config, "web", "gl")


def test_moses_style_pair_with_explicit_text_format(tmp_path):
    (tmp_path / "corpus.gl").write_text("Ola\nAdeus\n", encoding="utf-8")
    (tmp_path / "corpus.en").write_text("Hello\nGoodbye\n", encoding="utf-8")
    config = source(path=str(tmp_path / "corpus.gl"), english_path=str(tmp_path / "corpus.en"))
    with pytest.raises(LangadaptError) as caught:
        load(config, "gl", "sources[2]")
    assert str(caught.value) == (
        f"config key 'sources[2].path': {tmp_path}/corpus.gl: unsupported file type '.gl' "
        "(use .txt, .jsonl or .parquet, or set sources[2].format: text for line-aligned "
        "files such as Moses/OPUS corpus.en + corpus.gl)"
    )
    records = load({**config, "format": "text"}, "gl", "sources[2]")
    assert [(r["en"], r["target"]) for r in records] == [("Hello", "Ola"), ("Goodbye", "Adeus")]


def test_explicit_format_overrides_the_suffix(tmp_path):
    path = tmp_path / "rows.data"
    path.write_text(json.dumps({"text": "Ola"}) + "\n", encoding="utf-8")
    assert load(source(path=str(path), format="jsonl", text_column="text"), "gl")[0]["target"] == (
        "Ola"
    )


def test_schema_takes_the_format_and_help_tree_keys():
    from langadapt.config import validate_config

    config = validate_config({
        "language": {"code": "ca"},
        "sources": [
            {"name": "help", "type": "libreoffice_help", "package": "libreoffice-help-ca",
             "help_tree": "ca-valencia"},
            {"name": "opus", "type": "local", "path": "corpus.ca", "english_path": "corpus.en",
             "format": "text"},
            {"name": "mono", "type": "local", "path": "mono.txt"},
        ],
        "synthetic": {"translation": {"enabled": False}},
    })
    assert [s.get("help_tree") for s in config["sources"]] == ["ca-valencia", None, None]
    assert [s.get("format") for s in config["sources"]] == [None, "text", "auto"]
