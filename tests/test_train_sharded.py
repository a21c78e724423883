"""Sharded and multi-node training on CPU (gloo): the same loss curve as one process.

One process at batch 4 is the reference. Two processes at batch 2 each (the same global batch)
under DeepSpeed ZeRO-3, under DDP killed mid-way, and then resumed as two emulated SLURM nodes
(two node launchers on this host through ``python -m langadapt.train.launch node``, the code
path ``srun`` runs on a cluster) must give the same per-step losses within LOSS_TOLERANCE;
so must LoRA SFT under DDP. Measured here: identical to five decimals.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from langadapt.train.launch import (
    launch,
    launch_command,
    node_command,
    read_params,
    write_params,
)
from langadapt.train.logs import read_train_log
from langadapt.train.resume import checkpoint_step, latest_complete_checkpoint
from train_helpers import TINY_CPT_RECIPE, make_mixture, subprocess_env

pytestmark = pytest.mark.workflow
ROOT = Path(__file__).resolve().parents[1]
ZERO3 = ROOT / "envs" / "deepspeed" / "zero3.json"
LOSS_TOLERANCE = 1e-3  # absolute, on losses of about 6.2 (the tiny model's log-vocabulary)
STEPS = 40  # long enough to kill the DDP run between its first checkpoint and its end


@pytest.fixture(scope="module")
def packed(tiny_model_dir, tmp_path_factory):
    return make_mixture(tiny_model_dir, tmp_path_factory.mktemp("sharded"))


def _params(tiny_model_dir, packed, out: Path, batch: int, steps: int = STEPS) -> dict:
    recipe = {**TINY_CPT_RECIPE, "per_device_train_batch_size": batch}
    recipe.update(max_steps=steps, save_steps=4)
    return {
        "mixture": str(packed),
        "base_model": str(tiny_model_dir),
        "out_dir": str(out / "cell"),
        "checkpoint_dir": str(out / "checkpoints"),
        "recipe": recipe,
        "seed": 1,
        "epochs": 1,
        "keep_checkpoints": True,
    }


def _losses(out: Path) -> list[float]:
    return [row["loss"] for row in read_train_log(out / "cell" / "train_log.csv")]


def _assert_same_curve(losses, reference):
    assert len(losses) == len(reference)
    worst = max(abs(a - b) for a, b in zip(losses, reference, strict=True))
    assert worst <= LOSS_TOLERANCE, (worst, losses, reference)


@pytest.fixture(scope="module")
def reference(tiny_model_dir, packed, tmp_path_factory):
    """One process, batch 4, in this process."""
    out = tmp_path_factory.mktemp("one_process")
    launch("cpt", _params(tiny_model_dir, packed, out, batch=4), gpus=0, threads=1)
    return _losses(out)


def test_zero3_two_processes_match_one_process(tiny_model_dir, packed, reference, tmp_path, capfd):
    params = _params(tiny_model_dir, packed, tmp_path, batch=2)
    launch("cpt", params, gpus=2, deepspeed=ZERO3, params_path=tmp_path / "p.json", threads=1)
    err = capfd.readouterr().err
    assert "processes: 2, distributed backend: gloo, deepspeed: True" in err
    _assert_same_curve(_losses(tmp_path), reference)
    # ZeRO-3 gathers the sharded weights for the rank-0 save; checkpoints hold DeepSpeed state
    assert (tmp_path / "cell" / "model" / "model.safetensors").is_file()
    assert list((tmp_path / "checkpoints" / f"checkpoint-{STEPS}").glob("global_step*"))
    # The same global batch on one process: the fingerprint matches, but DeepSpeed's partitioned
    # state cannot resume on another world size: a clear stop, the checkpoints kept.
    one = {**params, "recipe": {**params["recipe"], "per_device_train_batch_size": 4}}
    with pytest.raises(subprocess.CalledProcessError):
        launch("cpt", one, gpus=1, deepspeed=ZERO3, params_path=tmp_path / "p1.json", threads=1)
    assert "written by 2 processes and this job runs 1" in capfd.readouterr().err
    assert (tmp_path / "checkpoints" / f"checkpoint-{STEPS}").is_dir()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _kill_group(process):
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def _workers_gone(params_path, timeout: float = 30) -> bool:
    import psutil

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = []
        for process in psutil.process_iter(["cmdline"]):
            if str(params_path) in " ".join(process.info["cmdline"] or []):
                alive.append(process)
        if not alive:
            return True
        time.sleep(0.2)
    for process in alive:
        process.kill()
    return False


def test_ddp_killed_then_resumed_on_two_emulated_nodes(
    tiny_model_dir, packed, reference, tmp_path
):
    params_path = write_params(tmp_path / "p.json", _params(tiny_model_dir, packed, tmp_path, 2))
    params = read_params(params_path)
    checkpoints = Path(params["checkpoint_dir"])
    env = subprocess_env()
    log = open(tmp_path / "ddp.log", "w")
    ddp = subprocess.Popen(
        launch_command("cpt", params_path, 2),
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        preexec_fn=lambda: os.nice(19),  # so this poller sees the first checkpoint on a busy CPU
    )
    deadline = time.monotonic() + 300
    while latest_complete_checkpoint(checkpoints, clean=False) is None:
        assert ddp.poll() is None, (tmp_path / "ddp.log").read_text()[-3000:]
        assert time.monotonic() < deadline, "no checkpoint within 300 s"
        time.sleep(0.02)
    _kill_group(ddp)  # the launcher's group; torchrun's workers live in sessions of their own
    assert _workers_gone(params_path), "training workers outlived their killed launcher"
    killed_at = checkpoint_step(latest_complete_checkpoint(checkpoints, clean=False))
    assert killed_at < STEPS and not (tmp_path / "cell" / "train_log.csv").exists()

    # two "nodes" of one process each, rendezvous from SLURM's variables (node list, rank)
    slurm = {"SLURM_NNODES": "2", "SLURM_JOB_NODELIST": "localhost", "SLURM_JOB_ID": "7"}
    slurm["MASTER_PORT"] = str(_free_port())
    nodes = []
    for rank in (0, 1):
        node_log = open(tmp_path / f"node{rank}.log", "w")
        nodes.append(
            subprocess.Popen(
                node_command("cpt", params_path, 1),
                env={**env, **slurm, "SLURM_NODEID": str(rank)},
                stdout=node_log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
    try:
        codes = [node.wait(timeout=600) for node in nodes]
    finally:
        for node in nodes:
            if node.poll() is None:
                _kill_group(node)
    node0 = (tmp_path / "node0.log").read_text()
    assert codes == [0, 0], node0[-3000:] + (tmp_path / "node1.log").read_text()[-3000:]
    assert "node 0 of 2, rendezvous localhost:" in node0
    assert "--num_processes 2 --num_machines 2 --machine_rank 0" in node0
    assert f"resuming from {checkpoints / f'checkpoint-{killed_at}'}" in node0
    assert "processes: 2, distributed backend: gloo" in node0
    _assert_same_curve(_losses(tmp_path), reference)
    state = json.loads((checkpoints / f"checkpoint-{STEPS}" / "trainer_state.json").read_text())
    assert state["global_step"] == STEPS


def test_one_process_checkpoint_resumes_in_two_processes(tiny_model_dir, packed, tmp_path, capfd):
    """Plain Trainer checkpoints resume on another world size: one process at batch 4, cut back
    to its step-4 checkpoint, then two processes at batch 2 (the same global batch, so the same
    fingerprint) continue it to the one-process curve."""
    one = _params(tiny_model_dir, packed, tmp_path, batch=4, steps=8)
    launch("cpt", one, gpus=0, threads=1)
    full = _losses(tmp_path)
    for path in Path(one["checkpoint_dir"]).glob("checkpoint-*"):
        if checkpoint_step(path) > 4:
            shutil.rmtree(path)
    two = {**one, "recipe": {**one["recipe"], "per_device_train_batch_size": 2}}
    capfd.readouterr()
    launch("cpt", two, gpus=2, params_path=tmp_path / "p.json", threads=1)
    err = capfd.readouterr().err
    assert "processes: 2, distributed backend: gloo" in err
    assert "discarded checkpoints" not in err
    assert f"resuming from {Path(one['checkpoint_dir']) / 'checkpoint-4'}" in err
    _assert_same_curve(_losses(tmp_path), full)


def test_lora_sft_two_processes_match_one_process(tiny_model_dir, instruct_data, tmp_path):
    """The LoRA stage under DDP: completion-only loss over examples of different lengths."""
    instructions = instruct_data["sft"]
    recipe = {"lora_r": 8, "lora_alpha": 16, "lora_target_modules": ["q_proj", "v_proj"]}
    recipe.update(learning_rate=1e-2, max_steps=6, max_length=128, save_steps=1000)
    curves = []
    for processes, batch in ((1, 4), (2, 2)):
        out = tmp_path / f"processes={processes}"
        params = {
            "instructions": str(instructions),
            "model_dir": str(tiny_model_dir),
            "out_dir": str(out / "cell"),
            "checkpoint_dir": str(out / "checkpoints"),
            "recipe": {**recipe, "per_device_train_batch_size": batch},
            "seed": 1,
        }
        path = out / "p.json" if processes > 1 else None
        launch("sft", params, gpus=processes, params_path=path, threads=1)
        curves.append(_losses(out))
        assert (out / "cell" / "model" / "adapter_model.safetensors").is_file()
    _assert_same_curve(curves[1], curves[0])


# --- ZeRO-3 in SFT and DPO: full and LoRA, saved weights against one process ---------------

WEIGHT_TOLERANCE = 5e-3  # absolute; Adam turns reduction-order noise in ~0 gradients into ±lr


@pytest.fixture(scope="module")
def instruct_data(fixture_dir, tmp_path_factory):
    from langadapt import instructions as inst
    from langadapt import preferences as prefs

    root = tmp_path_factory.mktemp("instruct")
    sections = inst.translate_sections(
        inst.help_sections(inst.read_jsonl(fixture_dir / "help_sections.jsonl")),
        lambda lines: [line.upper() for line in lines],
    )
    pairs = inst.read_jsonl(fixture_dir / "clean_train.jsonl")
    general = inst.general_instructions(sections, "human", 6)
    translation = inst.translation_instructions(pairs, 40, "en-xx", "Galician")
    inst.write_jsonl(root / "sft.jsonl", inst.sft_set(general, translation, 40, seed=1))
    # 12 pairs: three steps of global batch 4 within one epoch (a short last batch would be
    # padded differently on two processes)
    inst.write_jsonl(root / "pref.jsonl", prefs.help_preferences(sections, 6, skip=6) * 2)
    return {"sft": root / "sft.jsonl", "dpo": root / "pref.jsonl"}


def _stage(stage, data, model_dir, out: Path, method, processes: int) -> Path:
    """Train ``stage`` at global batch 4: one process in this one, or two under ZeRO-3."""
    recipe = {"learning_rate": 1e-3, "max_steps": 3, "max_length": 96, "save_steps": 1000,
              "logging_steps": 1, "bf16": False, "per_device_train_batch_size": 4 // processes}
    if method == "lora":
        recipe.update(lora_r=8, lora_alpha=16, lora_dropout=0.0, learning_rate=1e-2,
                      lora_target_modules=["q_proj", "v_proj"])
    if stage == "dpo":
        recipe["beta"] = 0.1
    params = {"instructions" if stage == "sft" else "preferences": str(data[stage]),
              "model_dir": str(model_dir), "out_dir": str(out / "cell"),
              "checkpoint_dir": str(out / "checkpoints"), "recipe": recipe, "seed": 1,
              "method": method}
    if processes == 1:
        launch(stage, params, gpus=0, threads=1)
    else:
        launch(stage, params, gpus=2, deepspeed=ZERO3, params_path=out / "p.json", threads=1)
    return out / "cell" / "model"


def _max_weight_difference(a: Path, b: Path) -> float:
    from langadapt.modeling import load_model

    left, right = dict(load_model(a).named_parameters()), dict(load_model(b).named_parameters())
    assert left.keys() == right.keys()
    assert all(left[n].shape == right[n].shape and left[n].numel() for n in left)  # gathered
    return max((left[n] - right[n]).abs().max().item() for n in left)


@pytest.mark.parametrize("method", ["full", "lora"])
def test_zero3_sft_then_dpo_match_one_process(method, tiny_model_dir, instruct_data, tmp_path,
                                              capfd):
    """SFT then DPO (full: a separate frozen reference; LoRA: DPO on the LoRA SFT stage, whose
    adapter merges into whole weights while ZeRO-3 is set up) on two processes under ZeRO-3:
    the vocabulary check sees the real embedding shape, the saved model is gathered (loadable
    by plain transformers), and it equals the one-process model's weights."""
    from safetensors.torch import load_file

    sft = {n: _stage("sft", instruct_data, tiny_model_dir, tmp_path / f"sft{n}", method, n)
           for n in (1, 2)}
    err = capfd.readouterr().err
    assert "processes: 2, distributed backend: gloo, deepspeed: True" in err, err[-3000:]
    weights = "model.safetensors" if method == "full" else "adapter_model.safetensors"
    assert all(t.numel() for t in load_file(sft[2] / weights).values())
    _assert_same_curve(_losses(tmp_path / "sft2"), _losses(tmp_path / "sft1"))
    sft_difference = _max_weight_difference(sft[1], sft[2])
    assert sft_difference <= WEIGHT_TOLERANCE, sft_difference
    # DPO of both on the one-process SFT model, so the comparison is of DPO alone
    dpo = {n: _stage("dpo", instruct_data, sft[1], tmp_path / f"dpo{n}", method, n)
           for n in (1, 2)}
    _assert_same_curve(_losses(tmp_path / "dpo2"), _losses(tmp_path / "dpo1"))
    dpo_difference = _max_weight_difference(dpo[1], dpo[2])
    assert dpo_difference <= WEIGHT_TOLERANCE, dpo_difference
    print(f"ZeRO-3 {method}: max |weight difference| SFT {sft_difference:.1e}, "
          f"DPO {dpo_difference:.1e}")
