"""Experiment tracking: the config's ``tracking`` section as trainer keys, outside the recipe.

``tracking.report_to`` names the trainer integrations (TensorBoard, W&B, MLflow, trackio) and
``tracking.eval_steps`` the cadence of the held-out loss. Neither changes the maths, so neither
is a rule param nor part of a checkpoint's fingerprint (``langadapt.train.resume``): turning
tracking on reruns no cell. The rule's script adds these keys to the recipe it hands the trainer.
TensorBoard event files go to ``<cell>/tensorboard/`` beside the cell's model.
"""

import importlib.util
import os
from pathlib import Path

from langadapt.errors import config_error

# report_to value -> the Python package its trainer integration imports
PACKAGES = {"tensorboard": "tensorboard", "wandb": "wandb", "mlflow": "mlflow",
            "trackio": "trackio"}


def reporters(tracking: dict) -> list[str]:
    """``tracking.report_to`` as a list without ``none``; a missing package is a config error."""
    value = tracking.get("report_to", "none")
    names = [name for name in ([value] if isinstance(value, str) else value) if name != "none"]
    for name in names:
        if importlib.util.find_spec(PACKAGES[name]) is None:
            raise config_error("tracking.report_to", f"{name!r} needs the package "
                               f"{PACKAGES[name]!r} (pip install {PACKAGES[name]}), or use none")
    return names


def tracking_keys(tracking: dict | None, out_dir, run_name: str, evaluates: bool) -> dict:
    """Trainer keys for ``tracking`` (``report_to``, ``run_name``, eval cadence when
    ``evaluates``); points TensorBoard at ``out_dir/tensorboard`` through its environment
    variable, which launched worker processes inherit."""
    tracking = tracking or {}
    names = reporters(tracking)
    keys = {"report_to": names or "none"}
    if names:
        keys["run_name"] = run_name
    if "tensorboard" in names:
        os.environ["TENSORBOARD_LOGGING_DIR"] = str(Path(out_dir) / "tensorboard")
    steps = int(tracking.get("eval_steps", 0))
    if evaluates and steps > 0:
        keys.update(eval_strategy="steps", eval_steps=steps)
    return keys


def with_tracking(recipe: dict, tracking: dict | None, out_dir, evaluates: bool = False) -> dict:
    """``recipe`` with the tracking keys added (a key the recipe sets itself wins); the run is
    named after the cell (``cpt/gl/ratio=0.8/.../seed=1``)."""
    run_name = str(out_dir).removeprefix("results/")
    return {**tracking_keys(tracking, out_dir, run_name, evaluates), **recipe}
