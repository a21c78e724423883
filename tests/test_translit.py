import json

from langadapt.synthetic import transliterate_train
from langadapt.translit import has_devanagari, transliterate


def test_known_hindi_strings():
    assert transliterate("नमस्ते दुनिया", "itrans") == "namaste duniyA"
    assert transliterate("नमस्ते दुनिया", "iast") == "namaste duniyā"
    assert transliterate("भारत", "optitrans") == "bhArata"


def test_non_devanagari_passes_through():
    assert transliterate("%PRODUCTNAME 123 नमस्ते", "itrans") == "%PRODUCTNAME 123 namaste"
    assert not has_devanagari("Hello") and has_devanagari("Hello नमस्ते")


def test_transliterate_train_writes_contract_records(tmp_path):
    train = tmp_path / "train.jsonl"
    rows = [
        {"id": "a", "group": "g", "source": "s", "en": "Hello world", "target": "नमस्ते दुनिया"},
        {"id": "b", "group": "g", "source": "s", "en": "x", "target": "Latin only"},
    ]
    train.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    out = tmp_path / "translit.jsonl"
    transliterate_train(train, out, "itrans")
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert records == [{"id": "a", "group": "g", "text": "namaste duniyA", "scheme": "itrans"}]
