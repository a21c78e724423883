"""The multi-process path: accelerate launch + DeepSpeed, exercised on CPU with one process."""

import json
import sys
from pathlib import Path

import pytest
from langadapt.train.launch import launch, launch_command, read_params, write_params
from langadapt.train.logs import read_train_log
from train_helpers import TINY_CPT_RECIPE, make_packed

ROOT = Path(__file__).resolve().parents[1]
ZERO2 = ROOT / "envs" / "deepspeed" / "zero2.json"


def test_launch_command_for_a_cluster_job(tmp_path):
    command = launch_command("sft", tmp_path / "p.json", 4, "envs/deepspeed/zero3.json")
    assert command[:3] == [sys.executable, "-m", "accelerate.commands.launch"]
    joined = " ".join(command)
    assert "--num_processes 4" in joined
    assert "--use_deepspeed --deepspeed_config_file envs/deepspeed/zero3.json" in joined
    assert command[-3:] == ["-m", "langadapt.train.sft", str(tmp_path / "p.json")]
    assert "--multi_gpu" in launch_command("cpt", "p.json", 2)


@pytest.mark.parametrize("name", ["zero2.json", "zero3.json"])
def test_deepspeed_configs_leave_sizes_to_the_trainer(name):
    config = json.loads((ROOT / "envs" / "deepspeed" / name).read_text())
    assert config["zero_optimization"]["stage"] == int(name[4])
    assert config["train_micro_batch_size_per_gpu"] == "auto"
    assert config["bf16"]["enabled"] == "auto"


def test_params_round_trip(tmp_path):
    params = {"packed": "a.npy", "recipe": {"learning_rate": 1e-4}, "seed": 3}
    assert read_params(write_params(tmp_path / "p.json", params)) == params


@pytest.mark.workflow
def test_cpt_under_accelerate_launch_with_deepspeed(tiny_model_dir, tmp_path, capfd):
    """One process, gloo on CPU: distributed init, ZeRO-2 engine, rank-0 saving, checkpoints."""
    packed = make_packed(tiny_model_dir, tmp_path / "packed.npy")
    params = {
        "packed": str(packed),
        "base_model": str(tiny_model_dir),
        "out_dir": str(tmp_path / "cell"),
        "checkpoint_dir": str(tmp_path / "checkpoints"),
        "recipe": {**TINY_CPT_RECIPE, "max_steps": 6},
        "seed": 1,
        "epochs": 1,
        "keep_checkpoints": True,
    }
    launch("cpt", params, gpus=1, deepspeed=ZERO2, params_path=tmp_path / "params.json", threads=1)
    err = capfd.readouterr().err
    assert "distributed backend: gloo" in err and "deepspeed: True" in err
    assert (tmp_path / "cell" / "model" / "model.safetensors").is_file()
    assert len(read_train_log(tmp_path / "cell" / "train_log.csv")) == 6
    assert list((tmp_path / "checkpoints" / "checkpoint-6").glob("global_step*"))
