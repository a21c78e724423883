"""Tiny training inputs for the training-stage tests: packed token ids and recipes."""

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


def make_packed(tokenizer_dir, out_path, seq_len: int = 64) -> Path:
    """Pack the English and target sides of the fixture corpus into ``[n, seq_len]`` int32."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(tokenizer_dir))
    ids: list[int] = []
    with open(FIXTURES / "clean_train.jsonl", encoding="utf-8") as handle:
        for row in map(json.loads, handle):
            for text in (row["en"], row["target"]):
                ids += tokenizer(text)["input_ids"] + [tokenizer.eos_token_id]
    rows = len(ids) // seq_len
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    np.save(out_path, np.asarray(ids[: rows * seq_len], dtype=np.int32).reshape(rows, seq_len))
    return out_path


def subprocess_env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SCRIPTS), env.get("PYTHONPATH")]))
    env.setdefault("OMP_NUM_THREADS", "1")
    return env


PYTHON = sys.executable
