"""The per-step training log, ``train_log.csv``.

Columns: step,epoch,loss,learning_rate,tokens_seen,elapsed_s. A run that evaluates on held-out
data also writes ``eval_log.csv``: step,epoch,eval_<set>_loss...,elapsed_s.

The rows come from the trainer's ``log_history``, which checkpoints carry, so a resumed run
writes one continuous log. :class:`ElapsedCallback` stamps each entry with wall time since the
start of training, continuing from the checkpoint's last value after a resume.
"""

import csv
import time
from pathlib import Path

from transformers import TrainerCallback

COLUMNS = ["step", "epoch", "loss", "learning_rate", "tokens_seen", "elapsed_s"]


class ElapsedCallback(TrainerCallback):
    """Adds ``elapsed_s`` (cumulative over resumes) to every ``log_history`` entry."""

    def __init__(self):
        self.start = time.monotonic()
        self.offset = 0.0

    def on_train_begin(self, args, state, control, **kwargs):
        self.start = time.monotonic()
        previous = [entry["elapsed_s"] for entry in state.log_history if "elapsed_s" in entry]
        self.offset = previous[-1] if previous else 0.0

    def on_log(self, args, state, control, logs=None, **kwargs):
        if state.log_history:
            elapsed = self.offset + time.monotonic() - self.start
            state.log_history[-1]["elapsed_s"] = round(elapsed, 3)


def train_rows(log_history: list[dict]) -> list[dict]:
    """One row per logged training step (the final summary entry has no ``loss``)."""
    rows = []
    for entry in log_history:
        if "loss" not in entry:
            continue
        rows.append(
            {
                "step": entry["step"],
                "epoch": round(float(entry.get("epoch", 0.0)), 6),
                "loss": entry["loss"],
                "learning_rate": entry.get("learning_rate", ""),
                "tokens_seen": entry.get("num_input_tokens_seen", ""),
                "elapsed_s": entry.get("elapsed_s", ""),
            }
        )
    return rows


def write_train_log(log_history: list[dict], path) -> list[dict]:
    rows = train_rows(log_history)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return rows


def eval_rows(log_history: list[dict]) -> list[dict]:
    """One row per evaluated step: step, epoch, each ``eval_<set>_loss`` (the trainer logs
    one entry per set) and elapsed_s."""
    rows: dict[int, dict] = {}
    for entry in log_history:
        losses = {key: value for key, value in entry.items()
                  if key.startswith("eval_") and key.endswith("loss")}
        if losses:
            row = rows.setdefault(entry["step"], {
                "step": entry["step"], "epoch": round(float(entry.get("epoch", 0.0)), 6)})
            row.pop("elapsed_s", None)  # kept last, from the step's last entry
            row.update(losses, elapsed_s=entry.get("elapsed_s", ""))
    return list(rows.values())


def write_eval_log(log_history: list[dict], path) -> list[dict]:
    """``eval_log.csv`` beside ``train_log.csv`` when the run evaluated; nothing otherwise."""
    rows = eval_rows(log_history)
    Path(path).unlink(missing_ok=True)  # a rerun without evaluation leaves no stale log
    if rows:
        columns = list(dict.fromkeys(key for row in rows for key in row))
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, restval="")
            writer.writeheader()
            writer.writerows(rows)
    return rows


def read_train_log(path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return [
            {key: float(value) if value not in ("", None) else None for key, value in row.items()}
            for row in csv.DictReader(handle)
        ]


class DropPickledArguments(TrainerCallback):
    """Removes ``training_args.bin`` (a pickle of the arguments) from each new checkpoint.

    Resuming does not read it (the arguments come from the recipe, ``recipe.yaml`` records
    them), and nothing under results/ is a pickle named like weights (safety defaults).
    """

    def on_save(self, args, state, control, **kwargs):
        if state.is_world_process_zero:
            checkpoint = Path(args.output_dir) / f"checkpoint-{state.global_step}"
            (checkpoint / "training_args.bin").unlink(missing_ok=True)


class SkipFinalCheckpoint(TrainerCallback):
    """Cancels the checkpoint the trainer writes after the last step.

    The model is saved right after training and the checkpoints are then deleted
    (``common.finish_training``), so that checkpoint (weights + optimizer state, 1.6 GB and
    about 2 s at 135M parameters) would be written only to be removed.
    """

    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step >= state.max_steps:
            control.should_save = False
