"""Recipe keys are checked against the trainer argument classes when the config is loaded."""

import copy
from pathlib import Path

import pytest
import yaml
from langadapt import instructions as inst
from langadapt import preferences as prefs
from langadapt.config import validate_config
from langadapt.errors import LangadaptError
from langadapt.runnable import check_instruction_translation, leave_out_mt_arms
from langadapt.train import recipe_keys

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = [ROOT / "config.yaml", *sorted((ROOT / "configs").glob("*.yaml"))]


@pytest.fixture(scope="module")
def default_config():
    return yaml.safe_load((ROOT / "config.yaml").read_text())


def _error(config) -> str:
    with pytest.raises(LangadaptError) as caught:
        validate_config(copy.deepcopy(config))
    return str(caught.value)


def test_snapshot_matches_the_installed_trainer_classes():
    live = recipe_keys.live_fields()
    assert live == recipe_keys.snapshot(), "run: python -m langadapt.train.recipe_keys"


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_config_passes_the_key_check(path):
    validate_config(yaml.safe_load(path.read_text()))


def test_warmup_ratio_is_named_with_the_transformers_5_spelling(default_config):
    config = copy.deepcopy(default_config)
    config["cpt"]["recipe"]["warmup_ratio"] = 0.1
    assert _error(config) == (
        "config key 'cpt.recipe.warmup_ratio': not an argument of TrainingArguments "
        "(transformers 5: use warmup_steps: 0.1 for a ratio)"
    )


def test_each_stage_is_checked_against_its_own_class(default_config):
    config = copy.deepcopy(default_config)
    config["cpt"]["recipe"]["max_length"] = 256  # an SFTConfig key, not a TrainingArguments one
    assert _error(config).startswith(
        "config key 'cpt.recipe.max_length': not an argument of TrainingArguments (see "
        "TrainingArguments in the transformers 5."
    )
    config = copy.deepcopy(default_config)
    config["sft"]["recipe"]["beta"] = 0.1  # a DPOConfig key
    assert _error(config).startswith("config key 'sft.recipe.beta': not an argument of SFTConfig")
    config = copy.deepcopy(default_config)
    config["dpo"]["recipe"]["lora_dropout"] = 0.1  # the project's LoRA keys are allowed
    config["dpo"]["recipe"]["method"] = "lora"
    validate_config(config)


def test_workflow_owned_key_is_refused_at_load_time(default_config):
    config = copy.deepcopy(default_config)
    config["sft"]["recipe"]["output_dir"] = "/tmp/x"
    assert _error(config) == (
        "config key 'sft.recipe.output_dir': is set by the workflow (paths, grid seed); remove it"
    )


def _no_mt(default_config, **sections):
    config = validate_config(copy.deepcopy(default_config))
    config["synthetic"]["translation"]["enabled"] = False
    for key, value in sections.items():
        stage, name = key.split("__")
        config[stage][name] = value
    return config


def test_mt_arm_without_translation_is_refused(default_config):
    config = _no_mt(default_config)
    check_instruction_translation(config, "sft", "human")  # human-translated: no MT needed
    with pytest.raises(LangadaptError) as caught:
        check_instruction_translation(config, "sft", "mt")
    assert str(caught.value) == (
        "config key 'sft.grid[0].instructions': the 'mt' arm needs machine translation, but "
        "synthetic.translation.enabled is false (use 'human', or enable a backend)"
    )


def test_without_translation_the_default_grids_lose_the_mt_arms(default_config):
    """The README's no-root path: the default config with MT off keeps the arms without MT."""
    config = _no_mt(default_config)
    notice = leave_out_mt_arms(config)
    assert notice.startswith("note: synthetic.translation.enabled is false, so the arms that "
                             "need machine translation leave the grids: sft instructions 'mt', "
                             "dpo instructions 'mt', cpt synthetic_weight > 0")
    assert config["sft"]["grid"] == [
        {"init": ["cpt"], "instructions": ["human"], "translation_examples": [32], "seed": [1]}]
    assert config["dpo"]["grid"] == []
    assert [entry["synthetic_weight"] for entry in config["cpt"]["grid"]] == [[0.0], [0.0]]
    assert config["sft"]["cpt_cell"]["synthetic_weight"] == 0.0
    assert leave_out_mt_arms(config) is None  # nothing left to take out


def test_with_translation_the_grids_stay(default_config):
    config = validate_config(copy.deepcopy(default_config))
    before = copy.deepcopy(config)
    assert leave_out_mt_arms(config) is None
    assert config == before


def test_an_sft_grid_of_mt_arms_only_is_left_to_the_plan_time_check(default_config):
    grid = [{"init": ["cpt"], "instructions": ["mt"], "translation_examples": [8], "seed": [1]}]
    config = _no_mt(default_config, sft__grid=grid)
    assert leave_out_mt_arms(config) is None
    assert config["sft"]["grid"] == grid
    with pytest.raises(LangadaptError, match=r"config key 'sft.grid\[0\].instructions': the 'mt'"):
        check_instruction_translation(config, "sft", "mt")


def test_english_preference_dataset_without_translation_is_refused(default_config):
    config = _no_mt(default_config, dpo__preference_dataset={"path": "prefs.jsonl"})
    with pytest.raises(LangadaptError, match="config key 'dpo.preference_dataset': an English"):
        check_instruction_translation(config, "dpo")


def test_sections_without_translation_give_human_sets_and_english_rejected(
    fixture_dir, tmp_path
):
    out = tmp_path / "sections.jsonl"
    inst.write_sections(fixture_dir / "help_sections.jsonl", out, {"enabled": False}, 6)
    sections = inst.read_jsonl(out)
    assert sections and all(s["answer_mt"] is None for s in sections)
    general = inst.general_instructions(sections, "human", 2)
    assert general[0]["messages"][1]["content"] == "\n\n".join(sections[0]["answer_target"])
    pairs = prefs.help_preferences(sections, 2, skip=2)
    assert {pair["rejected_source"] for pair in pairs} == {"en"}
    assert pairs[0]["rejected"][0]["content"] == "\n\n".join(sections[2]["answer_en"])
