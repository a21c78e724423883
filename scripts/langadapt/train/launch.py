"""Run a training stage in this process, or under ``accelerate launch`` on several GPUs.

With ``gpus <= 1`` the stage's ``train_*`` function is called in-process. With more, the same
entry point runs as ``python -m langadapt.train.<stage> params.json`` under
``accelerate launch --num_processes N`` and DeepSpeed (the ZeRO config named by
``<stage>.deepspeed``, e.g. ``envs/deepspeed/zero2.json``); the params JSON carries every
argument, so the two paths train identically.
"""

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

STAGES = {"cpt": "train_cpt", "sft": "train_sft", "dpo": "train_dpo"}
SCRIPTS_DIR = Path(__file__).resolve().parents[2]


def _stderr_fileno():
    try:
        return sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        return None


def write_params(path, params: dict) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(params, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def read_params(path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def launch_command(stage: str, params_path, gpus: int, deepspeed=None) -> list[str]:
    """The ``accelerate launch`` command line for ``gpus`` processes of ``stage``.

    Mixed precision is left to the recipe (``bf16``), which the Trainer hands to accelerate.
    """
    command = [sys.executable, "-m", "accelerate.commands.launch", "--num_processes", str(gpus)]
    command += ["--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no"]
    if deepspeed:
        command += ["--use_deepspeed", "--deepspeed_config_file", str(deepspeed)]
    else:
        command += ["--multi_gpu"]
    command += ["-m", f"langadapt.train.{stage}", str(params_path)]
    return command


def launch(
    stage: str,
    params: dict,
    gpus: int = 0,
    deepspeed=None,
    params_path=None,
    threads: int | None = None,
):
    """Train ``stage`` with ``params`` (keyword arguments of its ``train_*`` function).

    ``gpus`` > 1 (or an explicit ``params_path``) runs ``accelerate launch``; ``threads`` caps
    torch's intra-op threads (the rule's ``threads``).
    """
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}; one of {', '.join(STAGES)}")
    params = {**params, "deepspeed": str(deepspeed) if deepspeed else None}
    if gpus <= 1 and not params_path:
        if threads:
            import torch

            torch.set_num_threads(int(threads))
        module = importlib.import_module(f"langadapt.train.{stage}")
        return getattr(module, STAGES[stage])(**params)
    params_path = write_params(
        params_path or Path(params["checkpoint_dir"]) / "launch_params.json", params
    )
    env = dict(os.environ)
    if threads:  # the job's cores, shared by its processes
        env["OMP_NUM_THREADS"] = str(max(1, int(threads) // max(gpus, 1)))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SCRIPTS_DIR), env.get("PYTHONPATH")]))
    command = launch_command(stage, params_path, max(gpus, 1), deepspeed)
    print("launching: " + " ".join(command), file=sys.stderr, flush=True)
    sink = _stderr_fileno()  # the rule's log file when called under langadapt.logs.log_to
    subprocess.run(command, check=True, env=env, stdout=sink, stderr=sink)
    return None
