"""Shared fixtures: paths of the real LibreOffice help sample and a tiny base tokenizer."""

import os
from pathlib import Path

import pytest

# Tests never reach a model or dataset hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

FIXTURES = Path(__file__).parent / "fixtures"
LOHELP = FIXTURES / "lohelp"


@pytest.fixture(scope="session")
def tiny_tokenizer_dir(tmp_path_factory):
    """A byte-level BPE tokenizer trained on English help text only (English-centric, like
    the real base model), saved with save_pretrained so AutoTokenizer loads it."""
    from langadapt.sources.libreoffice_help import align_trees, help_tree
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    records = align_trees(
        help_tree(LOHELP / "en-us", "en", "k", english=True), help_tree(LOHELP / "gl", "gl", "k")
    )
    english = [record["en"] for record in records] * 3
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=600,
        special_tokens=["<|endoftext|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tokenizer.train_from_iterator(english, trainer)
    directory = tmp_path_factory.mktemp("tokenizer")
    PreTrainedTokenizerFast(tokenizer_object=tokenizer, eos_token="<|endoftext|>").save_pretrained(
        directory
    )
    return directory
