import json

import pytest
from langadapt.errors import LangadaptError
from langadapt.textio import (
    iter_jsonl,
    normalize_text,
    read_json,
    read_jsonl,
    read_lines,
    write_json,
    write_jsonl,
)


def test_normalize_text_nfc_and_whitespace():
    decomposed = "Mo\u0301dulo\u00a0 de\tfórmulas\n"
    assert normalize_text(decomposed) == "Módulo de fórmulas"
    assert normalize_text(None) == ""


def test_read_lines_drops_bom_and_accepts_mixed_line_endings(tmp_path):
    path = tmp_path / "mixed.txt"
    path.write_bytes("\ufeffprimeira\r\nsegunda\nterceira\rcuarta\r\n".encode())
    assert read_lines(path) == ["primeira", "segunda", "terceira", "cuarta"]


def test_jsonl_with_bom_and_crlf(tmp_path):
    path = tmp_path / "data.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"a": 1}\r\n\r\n{"a": 2}\n')
    assert list(iter_jsonl(path)) == [(1, {"a": 1}), (3, {"a": 2})]


def test_invalid_utf8_names_the_line(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("boa\nmañá\n".encode("latin-1"))
    with pytest.raises(LangadaptError, match=r"latin1.txt:2: invalid UTF-8"):
        read_lines(path)


def test_malformed_jsonl_line_names_file_and_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"a": 1}\n{"a": \n', encoding="utf-8")
    with pytest.raises(LangadaptError, match=r"bad.jsonl:2: malformed JSON line"):
        read_jsonl(path)


def test_jsonl_line_that_is_not_an_object(tmp_path):
    path = tmp_path / "list.jsonl"
    path.write_text("[1, 2]\n", encoding="utf-8")
    with pytest.raises(LangadaptError, match=r"list.jsonl:1: expected a JSON object"):
        read_jsonl(path)


def test_write_jsonl_is_atomic(tmp_path):
    path = tmp_path / "out.jsonl"
    write_jsonl(path, [{"text": "vello"}])

    def failing():
        yield {"text": "novo"}
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_jsonl(path, failing())
    assert read_jsonl(path) == [{"text": "vello"}]
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]


def test_json_round_trip_keeps_unicode(tmp_path):
    write_json(tmp_path / "x.json", {"texto": "Galego ñ"})
    assert "Galego ñ" in (tmp_path / "x.json").read_text(encoding="utf-8")
    assert read_json(tmp_path / "x.json") == {"texto": "Galego ñ"}
    assert json.loads((tmp_path / "x.json").read_text(encoding="utf-8"))["texto"] == "Galego ñ"
