"""Corpus shards: contiguous blocks that read one after another are the corpus."""

import pytest
from langadapt import corpora
from langadapt.errors import LangadaptError
from langadapt.shards import shard_label, shard_range, write_shard


def test_shard_ranges_cover_the_records_in_order():
    for count, shards in [(10, 3), (2, 4), (0, 2), (7, 1)]:
        ranges = [shard_range(count, shard, shards) for shard in range(shards)]
        assert [i for r in ranges for i in r] == list(range(count))
    assert shard_label(1, 4) == "1-of-4"
    with pytest.raises(LangadaptError, match="shard 4 is outside 0..3"):
        shard_range(10, 4, 4)


def test_written_shards_concatenate_to_the_corpus_and_may_be_empty(tmp_path, caplog):
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text('{"a": 1}\n\n{"a": 2}\n{"a": 3}')  # a blank line, no final newline
    parts = []
    for shard in range(4):
        out = tmp_path / f"{shard}.jsonl"
        report = write_shard(corpus, out, shard, 4)
        assert report["corpus_records"] == 3
        parts.append(out.read_text())
    assert "".join(parts) == '{"a": 1}\n{"a": 2}\n{"a": 3}\n'
    assert parts[0] == "" and "0.jsonl: empty shard (3 records over 4 shards)" in caplog.text


def test_corpus_shards_follow_their_sources():
    config = {
        "sources": [{"name": "help", "shards": 2}, {"name": "web", "role": "english", "shards": 8},
                    {"name": "news", "shards": 3}],
        "mixture": {"english_source": "web"},
        "synthetic": {"translation": {"english_source": "parallel"}},
    }
    assert corpora.corpus_shards(config, "english") == 8
    assert corpora.corpus_shards(config, "real") == corpora.corpus_shards(config, "mt") == 3
    files = corpora.token_files(config, "gl", "translit")
    assert files[2] == "results/tokens/gl/translit/2-of-3.npy"
    config["sources"] = [{"name": "help"}, {"name": "web", "role": "english"}]
    assert corpora.token_files(config, "gl", "english") == ["results/tokens/gl/english.npy"]
