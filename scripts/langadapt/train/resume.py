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


# Recipe keys that do not change the maths (logging, tracking, checkpoint and evaluation
# cadence): a run resumes across a change of any of them.
NOT_IN_FINGERPRINT = frozenset({
    "report_to", "run_name", "logging_steps", "logging_strategy", "logging_first_step",
    "save_steps", "save_strategy", "save_total_limit", "eval_strategy", "eval_steps",
    "per_device_eval_batch_size", "disable_tqdm", "include_num_input_tokens_seen",
})


# The layout of a batch over processes: the fingerprint records their product with the world
# size (the global batch, which is what changes the maths) instead, so that halving the
# per-device batch when doubling the nodes keeps the checkpoints.
LAYOUT_KEYS = {"per_device_train_batch_size": 8, "gradient_accumulation_steps": 1}  # defaults


def global_batch(resolved: dict, world_size: int) -> int:
    """Sequences per optimizer step: per-device batch x gradient accumulation x processes."""
    batch, accumulation = (int(resolved.get(key, default)) for key, default in LAYOUT_KEYS.items())
    return batch * accumulation * int(world_size)


def run_fingerprint(resolved: dict, inputs: list, world_size: int = 1) -> dict:
    """What a checkpoint depends on: the resolved recipe (less ``NOT_IN_FINGERPRINT`` and the
    batch layout, which enters as the global batch over ``world_size`` processes) and the
    inputs' size and mtime."""
    files = {}
    for item in inputs:
        path = Path(item)
        paths = sorted(path.glob("*.safetensors")) if path.is_dir() else [path]
        for file in paths:
            stat = file.stat()
            files[str(file)] = [stat.st_size, stat.st_mtime_ns]
    recipe = {key: value for key, value in resolved.items()
              if key not in NOT_IN_FINGERPRINT and key not in LAYOUT_KEYS}
    recipe["global_batch"] = global_batch(resolved, world_size)
    return json.loads(json.dumps({"recipe": recipe, "inputs": files}, sort_keys=True,
                                 default=str))


def check_deepspeed_world_size(checkpoint_dir, fingerprint: dict, world_size: int) -> None:
    """Stop when the DeepSpeed checkpoints in ``checkpoint_dir`` that this run would resume
    (same ``fingerprint``) were written by another number of processes: DeepSpeed partitions
    optimizer state by data-parallel rank and refuses them."""
    root = Path(checkpoint_dir)
    record = root / "run.json"
    if not record.is_file() or not any(any(path.glob("global_step*"))
                                       for path in checkpoints(root)):
        return
    try:
        recorded = json.loads(record.read_text())
    except json.JSONDecodeError:
        return  # unreadable: discard_stale_checkpoints treats the checkpoints as stale
    layout = recorded.pop("layout", {})
    if recorded != fingerprint:
        return  # another recipe or other inputs: discarded, not resumed
    written = layout.get("world_size")
    if written is not None and int(written) != int(world_size):
        raise RuntimeError(
            f"{root}: the DeepSpeed checkpoints were written by {written} processes and this "
            f"job runs {world_size}; DeepSpeed ZeRO cannot resume its partitioned optimizer "
            f"state on another world size. Resume on {written} processes (the nodes x GPUs "
            f"of the first run), or delete {root} to start this cell over.")


def discard_stale_checkpoints(checkpoint_dir, fingerprint: dict, world_size: int = 1) -> bool:
    """Remove checkpoints written for another recipe or other inputs; True if any were removed.

    Snakemake reruns a cell when its recipe or inputs change; resuming the old run's
    checkpoints would then silently return the old model. ``run.json`` records what the
    checkpoints in ``checkpoint_dir`` were trained with, and (outside the comparison) the
    ``world_size`` that wrote them.
    """
    root = Path(checkpoint_dir)
    record = root / "run.json"
    stale = False
    if record.is_file():
        try:
            recorded = json.loads(record.read_text())
            recorded.pop("layout", None)
            stale = recorded != fingerprint
        except json.JSONDecodeError:
            stale = True
    elif checkpoints(root):
        stale = True  # checkpoints of unknown origin
    if stale:
        for path in checkpoints(root):
            shutil.rmtree(path, ignore_errors=True)
    root.mkdir(parents=True, exist_ok=True)
    written = {**fingerprint, "layout": {"world_size": int(world_size)}}
    record.write_text(json.dumps(written, indent=1, sort_keys=True) + "\n")
    return stale


def remove_checkpoints(checkpoint_dir) -> None:
    """Delete every checkpoint of a finished run (``run.json`` stays as a record)."""
    for path in checkpoints(checkpoint_dir):
        shutil.rmtree(path, ignore_errors=True)
