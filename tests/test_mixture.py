import json

import numpy as np
import pytest
from langadapt.errors import LangadaptError
from langadapt.mixture import (
    MixtureIndex,
    build_mixture,
    document_bounds,
    draw_documents,
    mix_corpora,
    split_quota,
)

EOS = 0


def make_corpus(documents: int, mean_length: int, first_id: int, seed: int = 0) -> np.ndarray:
    """Documents of ids in [first_id, first_id + 100) so each token says which corpus it is from."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, 2 * mean_length, documents)
    ids = rng.integers(first_id, first_id + 100, int(lengths.sum()) + documents).astype(np.uint32)
    ids[np.cumsum(lengths + 1) - 1] = EOS
    return ids


@pytest.fixture(scope="module")
def corpora():
    return {
        "english": make_corpus(3000, 20, 1000, 1),
        "real": make_corpus(300, 20, 2000, 2),
        "mt": make_corpus(900, 20, 3000, 3),
    }


def corpus_tokens(packed: np.ndarray) -> dict[str, int]:
    flat = packed.ravel()
    return {
        "english": int(((flat >= 1000) & (flat < 1100)).sum()),
        "real": int(((flat >= 2000) & (flat < 2100)).sum()),
        "mt": int(((flat >= 3000) & (flat < 3100)).sum()),
        "eos": int((flat == EOS).sum()),
    }


def test_document_bounds_and_quota_split():
    starts, lengths = document_bounds(np.array([5, 6, 0, 7, 0, 8, 9, 9, 0], np.uint32), EOS)
    assert starts.tolist() == [0, 3, 5] and lengths.tolist() == [3, 2, 4]
    assert split_quota(10, {"a": 1, "b": 1, "c": 1}) == {"a": 4, "b": 3, "c": 3}
    assert split_quota(10, {"a": 0, "b": 2}) == {"a": 0, "b": 10}


def test_draw_documents_takes_whole_passes_then_a_subset():
    lengths = np.array([3, 4, 5])
    indices, taken = draw_documents(lengths, 30, np.random.default_rng(0))  # 2.5 passes
    assert taken.sum() == 30
    assert np.bincount(indices, minlength=3).min() >= 2
    assert (taken <= lengths[indices]).all()


def test_proportions_follow_weight_times_size(corpora):
    packed, info = mix_corpora(corpora, EOS, 0.5, 40_000, 1.0, 2.0, 64, seed=1)
    assert packed.dtype == np.int32 and packed.shape == (625, 64)
    counts = corpus_tokens(packed)
    assert sum(counts.values()) == packed.size
    real, mt = len(corpora["real"]), len(corpora["mt"])
    expected_real_share = 2 * real / (2 * real + mt)
    target = info["corpora"]["real"]["tokens"] + info["corpora"]["mt"]["tokens"]
    assert target == 20_000
    assert info["corpora"]["real"]["tokens"] / target == pytest.approx(
        expected_real_share, abs=1e-3
    )
    # real text is up-weighted: twice the epochs of machine-translated text
    ratio = info["corpora"]["real"]["epochs"] / info["corpora"]["mt"]["epochs"]
    assert ratio == pytest.approx(2.0, rel=1e-3)
    assert info["corpora"]["real"]["epochs"] > 1  # more than the corpus has: documents repeat
    # every token of a corpus quota lands in the packed array (EOS counted with its document)
    english_body = counts["english"]
    assert english_body <= info["corpora"]["english"]["tokens"]
    assert info["packing_efficiency"] >= 0.99 and info["padding_tokens"] == 0


def test_mixing_ratio_edges(corpora):
    only_english, info = mix_corpora(corpora, EOS, 0.0, 10_000, 1.0, 2.0, 100, seed=0)
    counts = corpus_tokens(only_english)
    assert counts["real"] == counts["mt"] == 0 and info["corpora"]["english"]["share"] == 1.0
    only_target, info = mix_corpora(corpora, EOS, 1.0, 10_000, 1.0, 2.0, 100, seed=0)
    assert corpus_tokens(only_target)["english"] == 0 and info["corpora"]["english"]["tokens"] == 0
    real_only, info = mix_corpora(corpora, EOS, 1.0, 10_000, 0.0, 2.0, 100, seed=0)
    assert corpus_tokens(real_only)["mt"] == 0 and info["corpora"]["real"]["tokens"] == 10_000
    without_english = {k: v for k, v in corpora.items() if k != "english"}
    mix_corpora(without_english, EOS, 1.0, 1000, 1.0, 2.0, 100)  # english not needed at ratio 1
    with pytest.raises(LangadaptError, match="weight 0"):
        mix_corpora(corpora, EOS, 0.5, 1000, 0.0, 0.0, 100)


def test_documents_stay_whole_and_eos_separated(corpora):
    packed, _ = mix_corpora(corpora, EOS, 0.5, 20_000, 1.0, 2.0, 128, seed=3)
    flat = packed.ravel()
    starts, lengths = document_bounds(flat.astype(np.uint32), EOS)
    for start, length in zip(starts[:-1], lengths[:-1], strict=True):
        body = flat[start : start + length - 1] // 1000
        assert len(set(body.tolist())) <= 1  # one document = tokens of one corpus


def test_deterministic_and_seed_dependent(corpora):
    first, info_first = mix_corpora(corpora, EOS, 0.8, 12_000, 1.0, 2.0, 256, seed=0)
    second, info_second = mix_corpora(corpora, EOS, 0.8, 12_000, 1.0, 2.0, 256, seed=0)
    other, _ = mix_corpora(corpora, EOS, 0.8, 12_000, 1.0, 2.0, 256, seed=1)
    assert np.array_equal(first, second) and json.dumps(info_first) == json.dumps(info_second)
    assert not np.array_equal(first, other)
    assert first.shape == (47, 256)  # 12k rounded to whole sequences


def reference_pack(corpora, eos, mixing_ratio, token_budget, synthetic_weight, real_weight,
                   seq_len, seed):
    """The packed array of the in-memory implementation this index replaced (commit 2535028)."""
    sequences = max(1, round(token_budget / seq_len))
    target = int(round(mixing_ratio * sequences * seq_len))
    weights = {name: (real_weight if name == "real" else synthetic_weight) * len(ids)
               for name, ids in corpora.items() if name != "english"}
    quotas = {**split_quota(target, weights), "english": sequences * seq_len - target}
    rng = np.random.default_rng(seed)
    offsets = np.cumsum([0] + [len(ids) for ids in corpora.values()])
    all_ids = np.concatenate(list(corpora.values())).astype(np.int32)
    starts, lengths, taken = [], [], []
    for position, (name, ids) in enumerate(corpora.items()):
        doc_starts, doc_lengths = document_bounds(ids, eos)
        indices, counts = draw_documents(doc_lengths, quotas[name], rng)
        starts.append(doc_starts[indices] + offsets[position])
        lengths.append(doc_lengths[indices])
        taken.append(counts)
    starts, lengths, taken = map(np.concatenate, (starts, lengths, taken))
    order = rng.permutation(len(starts))
    starts, lengths, taken = starts[order], lengths[order], taken[order]
    ends = np.cumsum(taken)
    index = np.repeat(starts - (ends - taken), taken) + np.arange(int(ends[-1]))
    cut = np.flatnonzero(taken < lengths)
    index[ends[cut] - 1] = starts[cut] + lengths[cut] - 1
    return all_ids[index].reshape(sequences, seq_len)


@pytest.mark.parametrize("cell", [(0.5, 40_000, 1.0, 2.0, 64, 1), (0.8, 12_000, 1.0, 2.0, 256, 0),
                                  (1.0, 10_000, 0.0, 2.0, 100, 0), (0.0, 9_000, 1.0, 2.0, 90, 2)])
def test_index_gives_the_tokens_and_order_of_the_packed_array(corpora, cell):
    packed, _ = mix_corpora(corpora, EOS, *cell)
    assert np.array_equal(packed, reference_pack(corpora, EOS, *cell))


def write_corpus(root, name, ids, shards=1, eos=EOS, tokenizer="tok"):
    """``ids`` split at document boundaries into ``shards`` token files with their stats."""
    ends = np.flatnonzero(ids == eos) + 1
    cuts = [0] + [int(ends[len(ends) * part // shards - 1]) for part in range(1, shards)]
    cuts.append(len(ids))
    files, stats = [], []
    for shard in range(shards):
        files.append(root / f"{name}.{shard}.npy")
        stats.append(root / f"{name}.{shard}.json")
        np.save(files[-1], ids[cuts[shard] : cuts[shard + 1]])
        stats[-1].write_text(json.dumps({"eos_token_id": eos, "tokenizer": tokenizer}))
    return [str(f) for f in files], [str(f) for f in stats]


CELL = dict(mixing_ratio=0.5, token_budget=40_000, synthetic_weight=1.0, real_weight=2.0,
            seq_len=64, seed=1)


@pytest.mark.parametrize("shards", [1, 2, 4])
def test_built_index_reads_the_same_sequences_from_any_number_of_shards(corpora, tmp_path, shards):
    files = {name: write_corpus(tmp_path, name, ids, shards) for name, ids in corpora.items()}
    info = build_mixture({n: f[0] for n, f in files.items()}, {n: f[1] for n, f in files.items()},
                         tmp_path / "index.npy", tmp_path / "mix.json", **CELL)
    index = MixtureIndex(tmp_path / "mix.json")
    packed, expected = mix_corpora(corpora, EOS, *CELL.values())
    assert len(index) == len(packed) == info["sequences"]
    assert all(np.array_equal(index.sequence(n), packed[n]) for n in range(len(index)))
    assert info["corpora"] == expected["corpora"]
    # 23 bytes a document against 4 a token: 20-token documents here, hundreds in real text
    assert np.load(tmp_path / "index.npy", mmap_mode="r").nbytes < packed.nbytes / 3
    with pytest.raises(IndexError):
        index.sequence(len(index))


def test_an_empty_shard_is_allowed_and_shards_that_disagree_stop(corpora, tmp_path):
    files = {name: write_corpus(tmp_path, name, ids) for name, ids in corpora.items()}
    np.save(tmp_path / "real.empty.npy", np.zeros(0, np.uint32))
    (tmp_path / "real.empty.json").write_text(json.dumps({"eos_token_id": EOS, "tokenizer": "tok"}))
    tokens = {n: f[0] for n, f in files.items()}
    stats = {n: f[1] for n, f in files.items()}
    tokens["real"].append(str(tmp_path / "real.empty.npy"))
    stats["real"].append(str(tmp_path / "real.empty.json"))
    info = build_mixture(tokens, stats, tmp_path / "index.npy", tmp_path / "mix.json", **CELL)
    assert info["corpora"]["real"]["corpus_tokens"] == len(corpora["real"])
    (tmp_path / "real.empty.json").write_text(json.dumps({"eos_token_id": 7, "tokenizer": "tok"}))
    with pytest.raises(LangadaptError) as caught:
        build_mixture(tokens, stats, tmp_path / "index.npy", tmp_path / "mix.json", **CELL)
    message = str(caught.value)
    assert "real.empty.json" in message and "english.0.json" in message
    assert "eos_token_id" in message


def test_target_shares_give_the_asked_split_and_report_unsampled_tokens(corpora, tmp_path):
    shares = {"real": 0.2, "mt": 0.8}
    packed, info = mix_corpora(corpora, EOS, 1.0, 12_800, 1.0, 2.0, 64, target_shares=shares)
    assert info["corpora"]["real"]["target_language_share"] == pytest.approx(0.2, abs=1e-4)
    assert info["corpora"]["mt"]["tokens"] == 10_240
    counts = corpus_tokens(packed)
    assert counts["mt"] / (counts["mt"] + counts["real"]) == pytest.approx(0.8, abs=0.01)
    mt = info["corpora"]["mt"]  # 10k of ~19k mt tokens: the rest is produced, never sampled
    assert mt["epochs"] < 1 and mt["unsampled_tokens"] > 0
    assert info["unsampled_target_tokens"] == sum(
        info["corpora"][name]["unsampled_tokens"] for name in ("real", "mt"))
    _, real_only = mix_corpora(corpora, EOS, 1.0, 12_800, 0.0, 2.0, 64, target_shares=shares)
    assert real_only["corpora"]["real"]["tokens"] == 12_800  # synth weight 0 drops mt


def test_nemotron_config_gives_the_model_card_mix():
    """Paper-sized corpora (1 token here = 1M there): 40B real, 60B mt, 40B + 60B transliterated."""
    from pathlib import Path

    from langadapt.config import load_config
    from langadapt.mixture import plan_mixture

    config = load_config(Path(__file__).parents[1] / "configs" / "nemotron-hi.yaml")
    sizes = {"english": 300_000, "real": 40_000, "mt": 60_000, "translit": 40_000,
             "translit_mt": 60_000}
    documents = {name: (np.zeros(size // 100, np.uint16), np.arange(0, size, 100),
                        np.full(size // 100, 100)) for name, size in sizes.items()}
    cell = dict(mixing_ratio=0.5, token_budget=400_000, synthetic_weight=1.0, real_weight=5.0,
                seq_len=100)
    _, info = plan_mixture(documents, **cell, target_shares=config["mixture"]["target_shares"])
    tokens = {name: row["tokens"] for name, row in info["corpora"].items()}
    assert tokens["real"] + tokens["mt"] + tokens["translit"] + tokens["translit_mt"] == 200_000
    assert (tokens["translit"] + tokens["translit_mt"]) / 200_000 == pytest.approx(0.545, abs=0.01)
    assert tokens["mt"] / tokens["real"] == pytest.approx(1.5, abs=0.02)
    assert info["corpora"]["mt"]["unsampled_tokens"] > 0  # 60B produced, ~55B taken: recorded
    _, weighted = plan_mixture(documents, **cell)  # real_weight 5 x size, as before: ~28 %
    translit = sum(weighted["corpora"][n]["tokens"] for n in ("translit", "translit_mt"))
    assert translit / 200_000 == pytest.approx(0.28, abs=0.01)


def test_mixture_index_errors_name_the_file(tmp_path):
    (tmp_path / "mix.json").write_text(json.dumps({"seq_len": 4, "sequences": 1}))
    with pytest.raises(LangadaptError, match="mix.json: no 'index' block"):
        MixtureIndex(tmp_path / "mix.json")


def test_tokenize_documents_separates_with_eos(tiny_model_dir):
    from langadapt.tokenize_corpus import tokenize_documents
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    texts = ["Abra o ficheiro.", "नमस्ते", "with <|endoftext|> inside"]
    ids = tokenize_documents(texts, tokenizer, batch_size=2)
    eos = tokenizer.eos_token_id
    assert ids.dtype == np.uint32 and (ids == eos).sum() == 3 and ids[-1] == eos
    starts, lengths = document_bounds(ids, eos)
    first = ids[starts[0] : starts[0] + lengths[0] - 1]
    assert tokenizer.decode(first.tolist()) == "Abra o ficheiro."
