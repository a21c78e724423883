"""Resume across world sizes: the fingerprint records the global batch, not its layout, and
DeepSpeed checkpoints resumed on another number of processes stop with a clear error."""

import pytest
from langadapt.train.resume import (
    check_deepspeed_world_size,
    discard_stale_checkpoints,
    run_fingerprint,
)

RECIPE = {"learning_rate": 1e-4, "per_device_train_batch_size": 4,
          "gradient_accumulation_steps": 8}


def _checkpoint(root, step=10, deepspeed=True):
    path = root / f"checkpoint-{step}"
    (path / ("global_step10" if deepspeed else "weights")).mkdir(parents=True)
    return path


def test_same_global_batch_on_more_nodes_keeps_the_fingerprint(tmp_path):
    one_node = run_fingerprint(RECIPE, [], world_size=8)
    two_nodes = run_fingerprint({**RECIPE, "per_device_train_batch_size": 2}, [], world_size=16)
    assert one_node == two_nodes
    assert one_node["recipe"]["global_batch"] == 4 * 8 * 8


def test_another_global_batch_changes_the_fingerprint():
    assert run_fingerprint(RECIPE, [], world_size=8) != run_fingerprint(RECIPE, [], world_size=16)


def test_world_size_is_recorded_but_not_compared(tmp_path):
    fingerprint = run_fingerprint(RECIPE, [], world_size=8)
    discard_stale_checkpoints(tmp_path, fingerprint, world_size=8)
    checkpoint = _checkpoint(tmp_path)
    assert not discard_stale_checkpoints(tmp_path, fingerprint, world_size=16)
    assert checkpoint.is_dir()


def test_deepspeed_resume_on_another_world_size_names_both(tmp_path):
    eight = run_fingerprint(RECIPE, [], 8)
    discard_stale_checkpoints(tmp_path, eight, world_size=8)
    _checkpoint(tmp_path)
    check_deepspeed_world_size(tmp_path, eight, 8)
    sixteen = run_fingerprint({**RECIPE, "per_device_train_batch_size": 2}, [], 16)
    assert sixteen == eight
    with pytest.raises(RuntimeError, match=r"written by 8 processes and this job runs 16"):
        check_deepspeed_world_size(tmp_path, sixteen, 16)


def test_deepspeed_checkpoints_of_another_recipe_are_discarded_not_refused(tmp_path):
    discard_stale_checkpoints(tmp_path, run_fingerprint(RECIPE, [], 8), world_size=8)
    _checkpoint(tmp_path)
    other = run_fingerprint({**RECIPE, "learning_rate": 2e-4}, [], 16)
    check_deepspeed_world_size(tmp_path, other, 16)
    assert discard_stale_checkpoints(tmp_path, other, world_size=16)


def test_plain_trainer_checkpoints_pass_the_deepspeed_check(tmp_path):
    one = run_fingerprint(RECIPE, [], 1)
    discard_stale_checkpoints(tmp_path, one, world_size=1)
    _checkpoint(tmp_path, deepspeed=False)
    check_deepspeed_world_size(tmp_path, one, 2)
