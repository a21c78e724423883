"""Outside reference models (evaluation.reference_models): checked at plan time, prepared like
the base model, evaluated as reference/<name>, shown as reference rows of the stages table."""

import json

import pytest
from langadapt.errors import LangadaptError
from langadapt.modeling import check_model_dir
from langadapt.paper.aggregate import collect_metrics
from langadapt.paper.tables import write_tables
from langadapt.reference_models import (
    check_reference_models,
    prepare_reference_model,
    reference_names,
)


def _config(*entries):
    return {"evaluation": {"reference_models": list(entries)}}


def test_no_reference_models_by_default():
    assert check_reference_models(_config()) == [] and reference_names(_config()) == []


def test_a_local_reference_is_prepared_as_a_model_directory(tiny_model_dir, tmp_path):
    config = _config({"name": "tiny", "path": str(tiny_model_dir)})
    assert reference_names(config) == ["reference/tiny"]
    check_model_dir(prepare_reference_model(config, "tiny", tmp_path / "tiny"))


def test_a_local_path_that_is_not_a_model_stops_naming_the_key(tmp_path):
    with pytest.raises(LangadaptError, match=r"evaluation.reference_models\[1\].path"):
        check_reference_models(_config({"name": "a", "hub_id": "org/a"},
                                       {"name": "b", "path": str(tmp_path)}))


def test_an_entry_needs_exactly_one_source():
    with pytest.raises(LangadaptError, match=r"evaluation.reference_models\[0\]': give exactly"):
        check_reference_models(_config({"name": "a", "hub_id": "org/a", "path": "x"}))
    with pytest.raises(LangadaptError, match=r"evaluation.reference_models\[0\]': give exactly"):
        check_reference_models(_config({"name": "a"}))


def test_duplicate_names_stop_naming_the_key():
    with pytest.raises(LangadaptError, match=r"reference_models\[1\].name"):
        check_reference_models(_config({"name": "a", "hub_id": "org/a"},
                                       {"name": "a", "hub_id": "org/b"}))


def test_a_hub_model_that_cannot_load_stops_naming_the_key(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # nothing cached: the load fails as offline
    config = _config({"name": "ghost", "hub_id": "no-such-org/no-such-model"})
    with pytest.raises(LangadaptError, match=r"evaluation.reference_models\[0\].hub_id"):
        prepare_reference_model(config, "ghost", tmp_path / "ghost")


def test_reference_rows_follow_the_main_path_and_are_never_arms(tmp_path):
    names = ["base", "sft/init=base/instr=mt/xlate=8/seed=1", "reference/latxa"]
    paths = []
    for index, name in enumerate(names):
        path = tmp_path / f"{index}.json"
        path.write_text(json.dumps({"checkpoint": name, "lang": "gl",
                                    "metrics": {"chrf++_en-xx": 10.0 + index, "mc_acc": 0.3}}))
        paths.append(path)
    frame = collect_metrics(paths, direction="en-xx")
    reference = frame[frame["stage"] == "reference"]
    assert reference[["init", "xlate", "parts"]].isna().all().all()  # no grid coordinates
    write_tables(frame, tmp_path / "tables", "gl", "Galician")
    stages = (tmp_path / "tables" / "stages.md").read_text()
    rows = [line for line in stages.splitlines() if line.startswith("| ")]
    assert [row.split(" | ")[0] for row in rows[1:]] == ["| base", "| sft", "| reference"]
    assert rows[-1].startswith("| reference | latxa | 1 | 12.0")
    assert "latxa" not in (tmp_path / "tables" / "instructions.md").read_text()


@pytest.mark.workflow
def test_reference_model_is_evaluated_on_the_tiny_workflow(tiny_run, trapped_model_dir,
                                                           tiny_model_dir, tmp_path):
    """Through Snakemake: the plan stops on a reference that is not a model, naming the key;
    a loadable one is prepared and evaluated on the run's suites as reference/<name>."""
    from langadapt.textio import read_json
    from tiny_workflow import copy_project, snakemake, tiny_config, write_config

    project = copy_project(tiny_run, tmp_path / "repo")  # only the reference's jobs run
    config = tiny_config(trapped_model_dir)
    config["evaluation"]["reference_models"] = [{"name": "tiny", "path": str(tmp_path)}]
    write_config(project, config)
    refused = snakemake(project, "-n")
    assert refused.returncode != 0
    assert "config key 'evaluation.reference_models[0].path': cannot be loaded" in (
        refused.stdout + refused.stderr)
    config["evaluation"]["reference_models"] = [{"name": "tiny", "path": str(tiny_model_dir)}]
    write_config(project, config)
    plan = snakemake(project, "-n")
    assert plan.returncode == 0 and "results/eval/gl/reference/tiny/metrics.json" in plan.stdout
    done = snakemake(project, "--cores", "2", "results/eval/gl/reference/tiny/metrics.json")
    assert done.returncode == 0, done.stderr[-3000:]
    result = read_json(project / "results/eval/gl/reference/tiny/metrics.json")
    assert result["checkpoint"] == "reference/tiny" and "bpc_target" in result["metrics"]
