"""Tiny training inputs for the training-stage tests: a mixture index and recipes."""

import json
import os
import sys
from pathlib import Path

import numpy as np

FIXTURES = Path(__file__).parent / "fixtures"
SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"

TINY_CPT_RECIPE = {
    "learning_rate": 1.0e-3,
    "per_device_train_batch_size": 4,
    "lr_scheduler_type": "cosine",
    "warmup_steps": 0.1,
    "bf16": False,
    "save_steps": 5,
    "logging_steps": 1,
}


def make_mixture(tokenizer_dir, out_dir, seq_len: int = 64) -> Path:
    """A mixture cell (``mix.json`` + ``index.npy`` over ``tokens.npy``) of the fixture corpus.

    The English and target sides are read in order, ``len // seq_len`` sequences.
    """
    from langadapt.mixture import index_token_stream
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(tokenizer_dir))
    ids: list[int] = []
    with open(FIXTURES / "clean_train.jsonl", encoding="utf-8") as handle:
        for row in map(json.loads, handle):
            for text in (row["en"], row["target"]):
                ids += tokenizer(text)["input_ids"] + [tokenizer.eos_token_id]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    np.save(out_dir / "tokens.npy", np.asarray(ids, dtype=np.uint32))
    index_token_stream(out_dir / "tokens.npy", seq_len, tokenizer.eos_token_id,
                       out_dir / "index.npy", out_dir / "mix.json")
    return out_dir / "mix.json"


def subprocess_env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SCRIPTS), env.get("PYTHONPATH")]))
    env.setdefault("OMP_NUM_THREADS", "1")
    return env


PYTHON = sys.executable
