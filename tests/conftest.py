"""Shared fixtures: a tiny random model, the real LibreOffice help sample, a tiny tokenizer."""

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from tiny_model import make_tiny_model  # noqa: E402
from tiny_workflow import (  # noqa: E402
    FAKE_TOKEN,
    built_once,
    make_project,
    make_trapped_model,
    shared_dir,
    snakemake,
)

# Tests never reach a model or dataset hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

FIXTURES = Path(__file__).parent / "fixtures"
LOHELP = FIXTURES / "lohelp"


# Files that take minutes (measured on 2 cores), longest first. pytest-xdist's loadfile scheduler
# hands files out in collection order, so these start first instead of ending the run alone.
SLOW_FILES = ("test_slurm.py", "test_faults.py", "test_train_sharded.py", "test_languages.py",
              "test_workflow_synthetic.py", "test_chat_formats.py", "test_train_workflow.py",
              "test_train_cpt.py", "test_corpus_sets.py")


def pytest_collection_modifyitems(items):
    rank = {name: index for index, name in enumerate(SLOW_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(SLOW_FILES)))


def pytest_configure(config):
    config.addinivalue_line("markers", "workflow: runs Snakemake rules end to end on tiny data")


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    """A random 2-layer Llama + byte-level BPE tokenizer (with chat template) saved to disk,
    one directory for every worker (so tiny projects of different workers share a config)."""
    return built_once(shared_dir(tmp_path_factory), "tiny_model", make_tiny_model)


@pytest.fixture(scope="session")
def trapped_model_dir(tiny_model_dir, tmp_path_factory) -> Path:
    """The tiny model with an ``auto_map`` to custom code that leaves a marker file if it runs
    (tiny_workflow.make_trapped_model): the base model of ``tiny_run``."""
    root = built_once(shared_dir(tmp_path_factory), "trapped",
                      lambda dest: make_trapped_model(tiny_model_dir, dest))
    return root / "model"


@pytest.fixture(scope="session")
def tiny_run(trapped_model_dir, tmp_path_factory) -> Path:
    """The whole tiny workflow run once per session (every worker shares it; HF_TOKEN set, the
    trapped base model): read it, or take ``copy_project(tiny_run, ...)`` to change it."""

    def run(project):
        make_project(project, trapped_model_dir)
        done = snakemake(project, "--cores", "2", env={"HF_TOKEN": FAKE_TOKEN}, timeout=1200)
        assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]

    return built_once(shared_dir(tmp_path_factory), "tiny_run", run)


@pytest.fixture(scope="session")
def fixture_dir() -> Path:
    return FIXTURES


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
