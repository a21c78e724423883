"""Switching configs keeps the work both share (issue 23): params are compared in canonical
form, so a job reruns only when a value it uses changes, not when a key moved."""

import pytest
from tiny_workflow import CPT_CELL_PATH, copy_project, snakemake, tiny_config, write_config

pytestmark = pytest.mark.workflow

CPT_MODEL = f"results/cpt/gl/{CPT_CELL_PATH}/model"
SECTIONS = "results/instruct/gl/sections.jsonl"


def _planned(project, *args, target=CPT_MODEL) -> str:
    done = snakemake(project, "-n", target, *args)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    return done.stdout + done.stderr


def test_switching_to_another_config_and_back_reruns_nothing_shared(tmp_path, tiny_run,
                                                                     trapped_model_dir):
    project = copy_project(tiny_run, tmp_path / "repo")  # the CPT chain and sections are done
    assert "Nothing to be done" in _planned(project)
    other = tiny_config(trapped_model_dir)
    # the base model spec with its keys in another order (as a config that leaves keys to the
    # schema defaults has them), and sections the CPT chain does not use, changed
    other["base_model"] = dict(reversed(list(other["base_model"].items())))
    other["evaluation"]["translation_sentences"] = 6
    other["sft"]["general_examples"] = 6
    other["dpo"]["recipe"]["beta"] = 0.2
    other["tracking"] = {"report_to": "none"}  # not a param: tracking off (or on) reruns nothing
    configfile = write_config(project, other, "other.yaml")
    assert "Nothing to be done" in _planned(project, "--configfile", str(configfile))
    assert "Nothing to be done" in _planned(project)  # and back
    # the CPT corpus's MT sample is not a param of the instruction sets' translation
    other = tiny_config(trapped_model_dir)
    other["synthetic"]["translation"].update(max_sentences=30, seed=2)
    configfile = write_config(project, other, "smaller_mt_sample.yaml")
    assert "Nothing to be done" in _planned(project, "--configfile", str(configfile),
                                            target=SECTIONS)
