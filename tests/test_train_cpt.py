"""CPT on a tiny random model: outputs per the contract, falling loss, determinism, resume."""

import signal
import subprocess
import time

import pytest
from langadapt.errors import LangadaptError
from langadapt.train.cpt import train_cpt
from langadapt.train.launch import write_params
from langadapt.train.logs import read_train_log
from langadapt.train.resume import is_complete, latest_complete_checkpoint
from train_helpers import PYTHON, TINY_CPT_RECIPE, make_mixture, subprocess_env


@pytest.fixture(scope="module")
def packed(tiny_model_dir, tmp_path_factory):
    return make_mixture(tiny_model_dir, tmp_path_factory.mktemp("mix"))


def _params(packed, model, root, epochs=2, seed=1, **recipe):
    return dict(
        mixture=str(packed),
        base_model=str(model),
        out_dir=str(root / "cell"),
        checkpoint_dir=str(root / "checkpoints"),
        recipe={**TINY_CPT_RECIPE, **recipe},
        seed=seed,
        epochs=epochs,
    )


def test_cpt_writes_contract_outputs_and_loss_falls(packed, tiny_model_dir, tmp_path):
    from transformers import AutoModelForCausalLM

    summary = train_cpt(**_params(packed, tiny_model_dir, tmp_path))
    cell = tmp_path / "cell"
    assert (cell / "model" / "model.safetensors").is_file()
    assert (cell / "model" / "tokenizer.json").is_file()
    assert (cell / "recipe.yaml").read_text().startswith("recipe:")
    header = (cell / "train_log.csv").read_text().splitlines()[0]
    assert header == "step,epoch,loss,learning_rate,tokens_seen,elapsed_s"
    rows = read_train_log(cell / "train_log.csv")
    assert [row["step"] for row in rows] == list(range(1, summary["steps"] + 1))
    assert rows[-1]["tokens_seen"] == summary["steps"] * 4 * 64
    assert summary["loss_end"] < summary["loss_start"] - 0.3
    AutoModelForCausalLM.from_pretrained(cell / "model")
    # a finished run deletes its checkpoints and keeps the record of what it trained
    assert not list((tmp_path / "checkpoints").glob("checkpoint-*"))
    assert (tmp_path / "checkpoints" / "run.json").is_file()


def test_last_step_is_checkpointed_only_when_checkpoints_are_kept(packed, tiny_model_dir,
                                                                   tmp_path, monkeypatch):
    from transformers import Trainer

    saved = []
    original = Trainer._save_checkpoint

    def record(self, *args, **kwargs):
        saved.append(self.state.global_step)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Trainer, "_save_checkpoint", record)
    summary = train_cpt(**_params(packed, tiny_model_dir, tmp_path / "dropped"))
    assert saved and summary["steps"] not in saved and all(step % 5 == 0 for step in saved)
    saved.clear()
    train_cpt(**_params(packed, tiny_model_dir, tmp_path / "kept"), keep_checkpoints=True)
    assert saved[-1] == summary["steps"]


def test_cpu_training_does_not_import_deepspeed(packed, tiny_model_dir, tmp_path):
    """accelerate would import DeepSpeed (2 s a job) whenever it is installed."""
    params = write_params(tmp_path / "p.json", _params(packed, tiny_model_dir, tmp_path, epochs=1))
    code = (
        "import sys, json\n"
        "from langadapt.train.cpt import train_cpt\n"
        f"train_cpt(**json.load(open({str(params)!r})))\n"
        "print('deepspeed imported:', 'deepspeed' in sys.modules)\n"
    )
    done = subprocess.run([PYTHON, "-c", code], env=subprocess_env(), capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "deepspeed imported: False" in done.stdout


def test_cpt_same_seed_same_loss(packed, tiny_model_dir, tmp_path):
    first = train_cpt(**_params(packed, tiny_model_dir, tmp_path / "a", epochs=1))
    second = train_cpt(**_params(packed, tiny_model_dir, tmp_path / "b", epochs=1))
    other = train_cpt(**_params(packed, tiny_model_dir, tmp_path / "c", epochs=1, seed=2))
    losses_a = [row["loss"] for row in read_train_log(tmp_path / "a" / "cell" / "train_log.csv")]
    losses_b = [row["loss"] for row in read_train_log(tmp_path / "b" / "cell" / "train_log.csv")]
    assert losses_a == losses_b
    assert first["loss_end"] == second["loss_end"]
    assert other["loss_end"] != first["loss_end"]


def test_unknown_recipe_key_names_it(packed, tiny_model_dir, tmp_path):
    with pytest.raises(LangadaptError, match="cpt.recipe.warmup_ratio"):
        train_cpt(**_params(packed, tiny_model_dir, tmp_path, warmup_ratio=0.1))


def _run_until_checkpoint(params_path, checkpoints, timeout=120):
    """Start a CPT run in a subprocess and SIGKILL it once a complete checkpoint exists."""
    command = [PYTHON, "-m", "langadapt.train.cpt", str(params_path)]
    process = subprocess.Popen(
        command, env=subprocess_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if latest_complete_checkpoint(checkpoints, clean=False) is not None:
                process.send_signal(signal.SIGKILL)
                process.wait()
                return process.returncode
            if process.poll() is not None:
                raise AssertionError(
                    "run finished before it could be killed: "
                    + process.stderr.read().decode()[-2000:]
                )
            time.sleep(0.01)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    raise AssertionError("no checkpoint appeared")


def test_killed_run_resumes_from_checkpoint(packed, tiny_model_dir, tmp_path):
    """SIGKILL after the first checkpoint; the restart continues from it to the same loss."""
    # 12 epochs of 21 steps: the kill lands a few steps after step 5 of 252.
    params = _params(packed, tiny_model_dir, tmp_path / "killed", epochs=12)
    params_path = write_params(tmp_path / "killed.json", params)
    checkpoints = tmp_path / "killed" / "checkpoints"
    assert _run_until_checkpoint(params_path, checkpoints) == -signal.SIGKILL
    assert not (tmp_path / "killed" / "cell" / "model").exists()
    resume_from = latest_complete_checkpoint(checkpoints, clean=False)
    assert is_complete(resume_from)
    resumed_step = int(resume_from.name.split("-")[1])
    assert resumed_step < 252

    restart = subprocess.run(
        [PYTHON, "-m", "langadapt.train.cpt", str(params_path)],
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert restart.returncode == 0, restart.stderr[-3000:]
    assert f"resuming from {resume_from} (step {resumed_step})" in restart.stderr

    reference = _params(packed, tiny_model_dir, tmp_path / "straight", epochs=12)
    subprocess.run(
        [PYTHON, "-m", "langadapt.train.cpt", str(write_params(tmp_path / "s.json", reference))],
        env=subprocess_env(),
        check=True,
        capture_output=True,
        timeout=300,
    )
    resumed = read_train_log(tmp_path / "killed" / "cell" / "train_log.csv")
    straight = read_train_log(tmp_path / "straight" / "cell" / "train_log.csv")
    # one continuous log: every step once, the same step count as the uninterrupted run
    assert [row["step"] for row in resumed] == [row["step"] for row in straight]
    # Same data order, optimizer, scheduler and RNG after the resume: the same losses.
    assert resumed[-1]["loss"] == pytest.approx(straight[-1]["loss"], abs=1e-5)
    for a, b in zip(resumed, straight, strict=True):
        assert a["loss"] == pytest.approx(b["loss"], abs=1e-5)


def test_checkpoints_of_another_recipe_are_not_resumed(packed, tiny_model_dir, tmp_path, capfd):
    first = train_cpt(**_params(packed, tiny_model_dir, tmp_path, epochs=1), keep_checkpoints=True)
    assert len(list((tmp_path / "checkpoints").glob("checkpoint-*"))) == 2  # the last two
    again = train_cpt(**_params(packed, tiny_model_dir, tmp_path, epochs=1), keep_checkpoints=True)
    assert "resuming from" in capfd.readouterr().err  # finished run: nothing left to train
    assert again["loss_end"] == first["loss_end"]
    changed = train_cpt(**_params(packed, tiny_model_dir, tmp_path, epochs=1, learning_rate=3e-3))
    err = capfd.readouterr().err
    assert "discarded checkpoints" in err and "resuming from" not in err
    assert changed["loss_end"] != first["loss_end"]
