"""Experiment tracking (issue 23): trainer integrations from the config's ``tracking`` section,
left out of the checkpoint fingerprint, and the held-out loss of CPT in eval_log.csv."""

import csv
import importlib.util

import pytest
from langadapt.errors import LangadaptError
from langadapt.train.cpt import train_cpt
from langadapt.train.logs import read_train_log
from langadapt.train.resume import run_fingerprint
from langadapt.train.tracking import PACKAGES, reporters, with_tracking
from train_helpers import TINY_CPT_RECIPE, make_mixture


def test_default_tracking_reports_nowhere_and_does_not_evaluate(tmp_path):
    keys = with_tracking({"learning_rate": 1e-4}, {"report_to": "none", "eval_steps": 0},
                         "results/cpt/gl/ratio=0.8/seed=1")
    assert keys == {"report_to": "none", "learning_rate": 1e-4}
    assert with_tracking({}, None, tmp_path) == {"report_to": "none"}


def test_eval_cadence_only_where_the_stage_evaluates(tmp_path):
    tracking = {"report_to": "none", "eval_steps": 3}
    assert with_tracking({}, tracking, tmp_path, evaluates=True) == {
        "report_to": "none", "eval_strategy": "steps", "eval_steps": 3}
    assert with_tracking({}, tracking, tmp_path) == {"report_to": "none"}
    # a recipe that names its own integration keeps it
    assert with_tracking({"report_to": "none"}, tracking, tmp_path)["report_to"] == "none"


@pytest.mark.parametrize("name", sorted(PACKAGES))
def test_an_integration_needs_its_package(name):
    if importlib.util.find_spec(PACKAGES[name]) is not None:
        assert reporters({"report_to": [name]}) == [name]
        return
    with pytest.raises(LangadaptError) as caught:
        reporters({"report_to": name})
    assert str(caught.value) == (f"config key 'tracking.report_to': {name!r} needs the package "
                                 f"{PACKAGES[name]!r} (pip install {PACKAGES[name]}), or use none")


def test_logging_tracking_and_cadence_are_not_in_the_fingerprint(tmp_path):
    data = tmp_path / "index.npy"
    data.write_bytes(b"x")
    recipe = {"learning_rate": 1e-4, "report_to": "none", "save_steps": 5, "logging_steps": 1}
    tracked = {**recipe, "report_to": ["tensorboard"], "run_name": "cpt/gl/x", "save_steps": 50,
               "logging_steps": 10, "eval_strategy": "steps", "eval_steps": 2}
    assert run_fingerprint(tracked, [data]) == run_fingerprint(recipe, [data])
    assert run_fingerprint({**recipe, "learning_rate": 2e-4}, [data]) != run_fingerprint(
        recipe, [data])


def test_cpt_logs_the_dev_loss_and_trains_as_without_it(tiny_model_dir, fixture_dir, tmp_path):
    mixture = make_mixture(tiny_model_dir, tmp_path / "mixture")
    runs = {}
    for name, tracking in (("plain", {}), ("eval", {"eval_steps": 2})):
        out = tmp_path / name
        recipe = with_tracking(dict(TINY_CPT_RECIPE), tracking, out, evaluates=True)
        train_cpt(mixture=str(mixture), base_model=str(tiny_model_dir), out_dir=str(out),
                  checkpoint_dir=str(tmp_path / name / "checkpoints"), recipe=recipe, epochs=1,
                  dev=str(fixture_dir / "clean_train.jsonl"), eval_sequences=2)
        runs[name] = read_train_log(out / "train_log.csv")
    # evaluation does not change the training maths: the same losses, step by step
    assert [row["loss"] for row in runs["eval"]] == [row["loss"] for row in runs["plain"]]
    assert not (tmp_path / "plain" / "eval_log.csv").exists()
    with open(tmp_path / "eval" / "eval_log.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    steps = len(runs["eval"])
    # every eval_steps steps, and after the last step
    assert [int(row["step"]) for row in rows] == sorted({*range(2, steps + 1, 2), steps})
    assert {"eval_target_loss", "eval_english_loss"} <= set(rows[0])
    assert all(float(row["eval_target_loss"]) > 0 for row in rows)


def test_cpt_with_tensorboard_writes_event_files_beside_the_cell(tiny_model_dir, tmp_path,
                                                                  monkeypatch):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    monkeypatch.delenv("TENSORBOARD_LOGGING_DIR", raising=False)  # restored after the test
    mixture = make_mixture(tiny_model_dir, tmp_path / "mixture")
    out = tmp_path / "cpt" / "gl" / "seed=1"
    recipe = with_tracking(dict(TINY_CPT_RECIPE), {"report_to": "tensorboard"}, out)
    train_cpt(mixture=str(mixture), base_model=str(tiny_model_dir), out_dir=str(out),
              checkpoint_dir=str(out / "checkpoints"), recipe=recipe, epochs=1)
    events = sorted((out / "tensorboard").glob("events.out.tfevents.*"))
    assert events, sorted(p.name for p in out.iterdir())
    accumulator = EventAccumulator(str(out / "tensorboard"))
    accumulator.Reload()
    losses = [event.value for event in accumulator.Scalars("train/loss")]
    # the same losses train_log.csv records, one per logged step
    assert losses == pytest.approx([row["loss"] for row in read_train_log(out / "train_log.csv")])
