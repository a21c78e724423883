"""Instruction part sets as an SFT grid axis (sft.part_sets, sft.grid[].parts): bad input."""

import copy
from pathlib import Path

import pytest
import yaml
from langadapt import instructions as inst
from langadapt.config import validate_config
from langadapt.errors import LangadaptError

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def xllama():
    return yaml.safe_load((ROOT / "configs" / "x-llama.yaml").read_text())


def _error(config) -> str:
    with pytest.raises(LangadaptError) as caught:
        validate_config(copy.deepcopy(config))
    return str(caught.value)


def test_a_set_naming_an_unknown_part_stops_naming_the_key(xllama):
    config = copy.deepcopy(xllama)
    config["sft"]["part_sets"]["alpaca_en_only"] = ["alpaca_en", "dolly"]
    assert "sft.part_sets.alpaca_en_only[1]" in _error(config)


def test_a_grid_naming_an_unknown_set_stops_naming_the_key(xllama):
    config = copy.deepcopy(xllama)
    config["sft"]["grid"][1]["parts"] = ["alpaca_both"]
    assert "sft.grid[1].parts" in _error(config)


def test_a_dpo_grid_naming_an_unknown_set_stops_naming_the_key():
    config = yaml.safe_load((ROOT / "configs" / "llama-eus.yaml").read_text())
    config["dpo"]["grid"][0]["parts"] = ["no_robots"]
    assert "dpo.grid[0].parts" in _error(config)


def test_all_cannot_be_redefined(xllama):
    config = copy.deepcopy(xllama)
    config["sft"]["part_sets"]["all"] = ["alpaca_en"]
    assert "sft.part_sets.all" in _error(config)


def test_a_cell_set_keeps_only_its_parts_rows(tmp_path):
    general = [{"part": "alpaca_en", "messages": [], "id": "a"},
               {"part": "alpaca_mt", "messages": [], "id": "b"}]
    inst.write_jsonl(tmp_path / "general.jsonl", general)
    inst.write_jsonl(tmp_path / "translation.jsonl", [])
    count = inst.write_sft_set(tmp_path / "general.jsonl", tmp_path / "translation.jsonl",
                               tmp_path / "set.jsonl", 0, 1, parts=["alpaca_mt"])
    assert count == 1 and inst.read_jsonl(tmp_path / "set.jsonl")[0]["id"] == "b"


@pytest.mark.workflow
def test_part_set_cells_run_on_the_tiny_workflow(tiny_run, trapped_model_dir, tmp_path):
    """The axis through Snakemake: the default cell keeps its path and every part; a named set
    gets parts=<name>/ and only its parts' rows (one general file serves both)."""
    from tiny_workflow import copy_project, snakemake, tiny_config, write_config

    project = copy_project(tiny_run, tmp_path / "repo")
    extra = [{"instruction": f"Say {n}.", "output": str(n)} for n in range(3)]
    inst.write_jsonl(project / "extra.jsonl", extra)
    config = tiny_config(trapped_model_dir)
    config["synthetic"]["translation"]["enabled"] = False  # the human arm needs no MT
    config["dpo"]["enabled"] = False
    config["sft"]["parts"] = [
        {"name": "help", "treatment": "human", "examples": 4},
        {"name": "extra", "treatment": "as_is", "examples": 3,
         "dataset": {"path": "json", "data_files": str(project / "extra.jsonl")}},
    ]
    config["sft"]["part_sets"] = {"help_only": ["help"]}
    config["sft"]["grid"] = [{"init": ["base"], "instructions": ["human"],
                              "parts": ["all", "help_only"], "translation_examples": [2],
                              "seed": [1]}]
    write_config(project, config)
    root = "results/instruct/gl/sft/instr=human"
    targets = [f"{root}/xlate=2/seed=1.jsonl", f"{root}/parts=help_only/xlate=2/seed=1.jsonl"]
    plan = snakemake(project, "-n")
    assert plan.returncode == 0, plan.stdout[-3000:] + plan.stderr[-3000:]
    planned = plan.stdout + plan.stderr
    assert "results/sft/gl/init=base/instr=human/parts=help_only/xlate=2/seed=1/model" in planned
    assert "results/sft/gl/init=base/instr=human/xlate=2/seed=1/model" in planned
    done = snakemake(project, "--cores", "1", *targets)
    assert done.returncode == 0, done.stderr[-3000:]
    every, help_only = (inst.read_jsonl(project / target) for target in targets)
    assert sorted(row.get("part", "translation") for row in every) == (
        ["extra"] * 3 + ["help"] * 4 + ["translation"] * 2)
    assert sorted(row.get("part", "translation") for row in help_only) == (
        ["help"] * 4 + ["translation"] * 2)


def test_part_set_arms_form_their_own_rows_and_leave_the_scaling_law_alone(tmp_path):
    """The instructions table holds the part-set ablation; the scaling law fits only the
    series of one part set (the all-parts xlate series here, not the en-only xlate=0 cell)."""
    import json

    from langadapt.paper.aggregate import collect_metrics, wide
    from langadapt.paper.scaling_law import scaling_points
    from langadapt.paper.tables import write_tables

    names = ["base"] + [f"sft/init=base/instr=mt/xlate={x}/seed=1" for x in (0, 8, 32)]
    names.append("sft/init=base/instr=mt/parts=en_only/xlate=0/seed=1")
    paths = []
    for index, name in enumerate(names):
        path = tmp_path / f"{index}.json"
        score = 10.0 + index
        path.write_text(json.dumps({"checkpoint": name, "lang": "gl",
                                    "metrics": {"chrf++_en-xx": score, "mc_acc": 0.3}}))
        paths.append(path)
    frame = collect_metrics(paths, direction="en-xx")
    assert set(frame.loc[frame["stage"] == "sft", "parts"]) == {"all", "en_only"}
    xs, _, fixed = scaling_points(wide(frame), "chrf++_en-xx")
    assert xs == [8, 32] and fixed["parts"] == "all"  # the law has no value at 0 examples
    notes = write_tables(frame, tmp_path / "tables", "gl", "Galician")
    assert notes["instructions"] == ""
    table = (tmp_path / "tables" / "instructions.md").read_text()
    assert "instruction parts" in table and "en_only" in table


def test_preference_sets_name_dpo_cells_and_keep_default_paths():
    from langadapt import grids

    config = yaml.safe_load((ROOT / "configs" / "nemotron-hi.yaml").read_text())
    config["dpo"]["part_sets"] = {"en_only": ["dpo_en"]}
    config["dpo"]["grid"][0]["preference_parts"] = ["all", "en_only"]
    config = validate_config(config)
    paths = [grids.dpo_cell_path(config, cell) for cell in grids.dpo_cells(config)]
    assert paths == ["init=base/instr=mt/xlate=0/seed=1",
                     "init=base/instr=mt/xlate=0/prefs=en_only/seed=1",
                     "init=cpt/instr=mt/xlate=0/seed=1",
                     "init=cpt/instr=mt/xlate=0/prefs=en_only/seed=1"]
    assert grids.part_set(config, "en_only", stage="dpo") == ["dpo_en"]


def test_a_dpo_grid_naming_an_unknown_preference_set_stops_naming_the_key():
    config = yaml.safe_load((ROOT / "configs" / "nemotron-hi.yaml").read_text())
    config["dpo"]["grid"][0]["preference_parts"] = ["hindi_only"]
    assert "dpo.grid[0].preference_parts': unknown part set 'hindi_only'" in _error(config)
    config["dpo"]["part_sets"] = {"hindi_only": ["dpo_hi"]}
    assert "dpo.part_sets.hindi_only[0]': unknown part 'dpo_hi'" in _error(config)


def test_a_preference_set_keeps_its_parts_rows_and_refuses_an_empty_one(tmp_path):
    from langadapt.preferences import write_preference_set

    inst.write_jsonl(tmp_path / "prefs.jsonl", [{"part": "dpo_en", "id": "a"},
                                                {"part": "dpo_hi_mt", "id": "b"}])
    assert write_preference_set(tmp_path / "prefs.jsonl", tmp_path / "en.jsonl", "en",
                                ["dpo_en"]) == 1
    with pytest.raises(LangadaptError, match="dpo.part_sets.none"):
        write_preference_set(tmp_path / "prefs.jsonl", tmp_path / "x.jsonl", "none", ["other"])


@pytest.mark.workflow
def test_preference_set_cells_plan_on_the_tiny_workflow(tiny_model_dir, tmp_path):
    """Through Snakemake: a DPO cell of a preference set aligns the same SFT cell on the rows
    of its set; the default DPO cell keeps its path."""
    from tiny_workflow import make_project, snakemake, tiny_config, write_config

    project = make_project(tmp_path / "repo", tiny_model_dir)
    inst.write_jsonl(project / "pairs.jsonl", [
        {"prompt": f"Say {n}.", "chosen": str(n), "rejected": "no"} for n in range(3)])
    config = tiny_config(tiny_model_dir)
    config["dpo"]["parts"] = [
        {"name": "help", "treatment": "mt", "examples": 4},
        {"name": "own", "treatment": "as_is", "examples": 3,
         "dataset": {"path": "json", "data_files": str(project / "pairs.jsonl"),
                     "prompt_field": "prompt", "chosen_field": "chosen",
                     "rejected_field": "rejected"}},
    ]
    config["dpo"]["part_sets"] = {"own_only": ["own"]}
    config["dpo"]["grid"][0]["preference_parts"] = ["all", "own_only"]
    write_config(project, config)
    plan = snakemake(project, "-n")
    assert plan.returncode == 0, plan.stdout[-3000:] + plan.stderr[-3000:]
    planned = plan.stdout
    assert "results/dpo/gl/init=cpt/instr=mt/xlate=8/prefs=own_only/seed=1/model" in planned
    assert "results/dpo/gl/init=cpt/instr=mt/xlate=8/seed=1/model" in planned
    assert "results/instruct/gl/preferences/prefs=own_only.jsonl" in planned
