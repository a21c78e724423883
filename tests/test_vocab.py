"""Vocabulary extension (langadapt.vocab): learned merges, embedding initialisation, resize."""

import json

import pytest
import torch
from langadapt import vocab
from langadapt.errors import LangadaptError
from langadapt.modeling import load_model, load_tokenizer


@pytest.fixture(scope="module")
def extended(tiny_model_dir, fixture_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("extended")
    report = vocab.extend_vocabulary(tiny_model_dir, fixture_dir / "clean_train.jsonl", 40,
                                     out / "model", out / "extension.json")
    return out, report


def test_extension_adds_exactly_n_tokens_and_keeps_text(extended, tiny_model_dir, fixture_dir):
    out, report = extended
    base, grown = load_tokenizer(tiny_model_dir), load_tokenizer(out / "model")
    assert report["new_tokens"] == 40 and len(grown) == len(base) + 40
    assert json.loads((out / "extension.json").read_text())["extended_vocabulary"] == len(grown)
    texts = vocab.target_texts(fixture_dir / "clean_train.jsonl")
    base_ids = [base(t, add_special_tokens=False)["input_ids"] for t in texts]
    new_ids = [grown(t, add_special_tokens=False)["input_ids"] for t in texts]
    assert [grown.decode(ids) for ids in new_ids] == texts  # lossless
    assert sum(map(len, new_ids)) < sum(map(len, base_ids))  # fewer tokens on target text
    assert any(i >= len(base) for ids in new_ids for i in ids)  # new tokens are reachable
    # base ids keep their meaning
    assert grown.convert_ids_to_tokens(list(range(len(base)))) == base.convert_ids_to_tokens(
        list(range(len(base))))


def test_new_row_is_mean_of_its_pieces(extended, tiny_model_dir):
    out, _ = extended
    base_tokenizer = load_tokenizer(tiny_model_dir)
    grown_tokenizer = load_tokenizer(out / "model")
    base_rows = load_model(tiny_model_dir).get_input_embeddings().weight
    model = load_model(out / "model")
    rows = model.get_input_embeddings().weight
    assert rows.shape[0] == len(grown_tokenizer)
    assert torch.equal(rows[: len(base_tokenizer)], base_rows)
    for token_id in range(len(base_tokenizer), len(grown_tokenizer)):
        token = grown_tokenizer.convert_ids_to_tokens(token_id)
        pieces = base_tokenizer(base_tokenizer.convert_tokens_to_string([token]),
                                add_special_tokens=False)["input_ids"]
        assert len(pieces) >= 2
        torch.testing.assert_close(rows[token_id], base_rows[pieces].mean(dim=0))


def test_resize_keeps_tied_weights_tied(extended):
    out, report = extended
    model = load_model(out / "model")
    assert report["tied_embeddings"] and model.config.tie_word_embeddings
    assert model.get_output_embeddings().weight.data_ptr() == (
        model.get_input_embeddings().weight.data_ptr())
    assert model.config.vocab_size == report["embedding_rows"]
    ids = torch.tensor([[report["embedding_rows"] - 1, 3]])
    assert model(input_ids=ids).logits.shape[-1] == report["embedding_rows"]


def test_resize_initialises_an_untied_output_layer(tiny_model_dir):
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(vocab_size=20, hidden_size=8, intermediate_size=16, num_hidden_layers=1,
                         num_attention_heads=2, num_key_value_heads=2, tie_word_embeddings=False)
    torch.manual_seed(0)
    model = LlamaForCausalLM(config)
    before_in = model.get_input_embeddings().weight.detach().clone()
    before_out = model.get_output_embeddings().weight.detach().clone()
    assert vocab.resize_and_initialise(model, {20: [1, 2], 21: [3, 4, 5]}) == 22
    rows_in, rows_out = model.get_input_embeddings().weight, model.get_output_embeddings().weight
    torch.testing.assert_close(rows_in[21], before_in[[3, 4, 5]].mean(0))
    torch.testing.assert_close(rows_out[20], before_out[[1, 2]].mean(0))
    torch.testing.assert_close(rows_out[:20], before_out)
    assert model.get_output_embeddings().weight.shape[0] == 22


def test_learned_merges_follow_the_base_segmentation(tiny_model_dir):
    backend = load_tokenizer(tiny_model_dir).backend_tokenizer
    counts = vocab.word_counts(["unha unha unha proba proba"], backend)
    merges = vocab.learn_merges(counts, backend, 1, min_frequency=2)
    word = merges[-1][0] + merges[-1][1]
    assert word not in backend.get_vocab()
    for left, right in merges:  # every merge joins two symbols that exist at that point
        assert left in backend.get_vocab() or any(a + b == left for a, b in merges)
        assert right in backend.get_vocab() or any(a + b == right for a, b in merges)


# --------------------------------------------------------------------------- bad inputs


def test_more_tokens_than_the_text_supports(tiny_model_dir, fixture_dir, tmp_path):
    with pytest.raises(LangadaptError) as error:
        vocab.extend_vocabulary(tiny_model_dir, fixture_dir / "clean_train.jsonl", 100_000,
                                tmp_path / "model", tmp_path / "report.json",
                                key="cpt.grid[1].vocab_extension")
    message = str(error.value)
    assert message.startswith("config key 'cpt.grid[1].vocab_extension': 100000 new tokens")
    assert "supports only" in message and "vocabulary.min_frequency=2" in message
    assert not (tmp_path / "model").exists()


def test_slow_tokenizer_cannot_be_extended():
    from transformers import ByT5Tokenizer

    with pytest.raises(LangadaptError, match="config key 'base_model': tokenizer ByT5Tokenizer "
                                             "is not a fast"):
        vocab.check_extendable(ByT5Tokenizer())


def test_non_bpe_tokenizer_cannot_be_extended():
    from tiny_model import fixture_text
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    wordpiece = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    wordpiece.pre_tokenizer = pre_tokenizers.Whitespace()
    wordpiece.train_from_iterator(fixture_text(), trainers.WordPieceTrainer(
        vocab_size=200, special_tokens=["[UNK]"], show_progress=False))
    with pytest.raises(LangadaptError, match="config key 'base_model': tokenizer model type "
                                             "'WordPiece' cannot be extended"):
        vocab.check_extendable(PreTrainedTokenizerFast(tokenizer_object=wordpiece))


def test_joining_combining_marks_changes_only_text_with_marks(tiny_model_dir, fixture_dir):
    from tokenizers import Tokenizer

    tokenizer = load_tokenizer(tiny_model_dir)
    spec = vocab.check_extendable(tokenizer)
    builtin = Tokenizer.from_str(json.dumps(spec))
    assert vocab.join_combining_marks(spec)
    joined = Tokenizer.from_str(json.dumps(spec))
    as_split = json.loads(json.dumps(spec))  # the GPT-2 regex as an explicit Split: no change
    as_split["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] = vocab.GPT2_PATTERN
    gpt2 = Tokenizer.from_str(json.dumps(as_split))
    hindi = (fixture_dir / "hindi.txt").read_text(encoding="utf-8").splitlines()[:20]
    latin = vocab.target_texts(fixture_dir / "clean_train.jsonl")[:50] + ["it's 2024!  ok\n x"]
    for text in latin + hindi:
        assert gpt2.encode(text).ids == builtin.encode(text).ids
    for text in latin:
        assert joined.pre_tokenizer.pre_tokenize_str(text) == (
            builtin.pre_tokenizer.pre_tokenize_str(text))
    fragments = sum(len(builtin.pre_tokenizer.pre_tokenize_str(t)) for t in hindi)
    assert sum(len(joined.pre_tokenizer.pre_tokenize_str(t)) for t in hindi) < fragments * 0.6
    word = "संवाद"  # sa, anusvara (a mark), va, aa (a mark), da: one word, five fragments
    assert len(builtin.pre_tokenizer.pre_tokenize_str(word)) == 5
    assert len(joined.pre_tokenizer.pre_tokenize_str(word)) == 1


def test_vocab_axis_path_part_is_left_out_at_zero():
    from langadapt import grids

    entry = {"mixing_ratio": [0.8], "token_budget": ["8k"], "synthetic_weight": [1.0],
             "seed": [1]}
    config = {"cpt": {"grid": [entry, {**entry, "vocab_extension": [0, 4000]}]},
              "sft": {"cpt_cell": {"mixing_ratio": 0.8, "token_budget": "8k",
                                   "synthetic_weight": 1.0, "seed": 1, "vocab_extension": 4000}}}
    paths = [grids.cell_path(cell, grids.CPT_AXES) for cell in grids.cpt_cells(config)]
    assert paths == ["ratio=0.8/tokens=8k/synth=1.0/seed=1",
                     "vocab=4000/ratio=0.8/tokens=8k/synth=1.0/seed=1"]
    assert [grids.cell_path(cell, grids.MIXTURE_AXES) for cell in grids.cpt_cells(config)] == [
        "ratio=0.8/tokens=8k/synth=1.0", "vocab=4000/ratio=0.8/tokens=8k/synth=1.0"]
    assert grids.cell_path(grids.sft_init_cell(config), grids.CPT_AXES) == paths[1]
    del config["sft"]["cpt_cell"]["vocab_extension"]  # an older config: the base tokenizer
    assert grids.cell_path(grids.sft_init_cell(config), grids.CPT_AXES) == paths[0]
