"""Resumable checkpoints outside Snakemake's outputs.

Checkpoints live in ``results/checkpoints/{stage}/{lang}/{cell}/checkpoint-<step>/``, which is
not a rule output, so Snakemake does not delete it when a job fails or is killed. The trainer
writes ``trainer_state.json`` last, so a checkpoint is complete when that file, the model
weights, the optimizer state and the RNG state are all there; a directory a SIGKILL left
half-written is removed before training resumes from the latest complete one.
"""

import json
import re
import shutil
from pathlib import Path

_CHECKPOINT = re.compile(r"^checkpoint-([0-9]+)$")
_REQUIRED = ("trainer_state.json",)


def _step(path: Path) -> int:
    return int(_CHECKPOINT.match(path.name).group(1))


def checkpoints(checkpoint_dir) -> list[Path]:
    """Checkpoint directories by step, complete or not."""
    root = Path(checkpoint_dir)
    if not root.is_dir():
        return []
    found = [p for p in root.iterdir() if p.is_dir() and _CHECKPOINT.match(p.name)]
    return sorted(found, key=_step)


def is_complete(path: Path) -> bool:
    path = Path(path)
    if not all((path / name).is_file() for name in _REQUIRED):
        return False
    if not list(path.glob("rng_state*.pth")):
        return False
    deepspeed_state = any(path.glob("global_step*"))  # DeepSpeed keeps weights + optimizer there
    if not deepspeed_state:
        if not (path / "optimizer.pt").is_file() or not any(path.glob("*.safetensors")):
            return False
    try:
        state = json.loads((path / "trainer_state.json").read_text())
    except (OSError, json.JSONDecodeError):
        return False
    return state.get("global_step") == _step(path)


def latest_complete_checkpoint(checkpoint_dir, clean: bool = True) -> Path | None:
    """The complete checkpoint with the highest step; removes incomplete ones when ``clean``."""
    latest = None
    for path in checkpoints(checkpoint_dir):
        if is_complete(path):
            latest = path
        elif clean:
            shutil.rmtree(path, ignore_errors=True)
    return latest


def checkpoint_step(path) -> int:
    return _step(Path(path))
