"""Config validation: defaults are filled in, and every mistake names its key."""

import copy
from pathlib import Path

import pytest
import yaml
from langadapt.config import config_hash, load_config, validate_config
from langadapt.errors import LangadaptError

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def default_config():
    return yaml.safe_load((ROOT / "config.yaml").read_text())


def _error(config) -> str:
    with pytest.raises(LangadaptError) as caught:
        validate_config(config)
    return str(caught.value)


def test_default_config_is_valid_and_complete():
    config = load_config(ROOT / "config.yaml")
    assert config["language"]["code"] == "gl"
    assert config["base_model"]["trust_remote_code"] is False
    assert config["evaluation"]["test_set"] is None  # filled from the schema default


def test_minimal_config_gets_every_default():
    config = validate_config(
        {
            "language": {"code": "eu"},
            "sources": [
                {"name": "help", "type": "libreoffice_help", "package": "libreoffice-help-eu"}
            ],
            "synthetic": {"translation": {"enabled": False}},
        }
    )
    assert config["language"]["name"] == "eu"
    assert config["sources"][0]["english_package"] == "libreoffice-help-en-us"
    assert config["cpt"]["grid"][0]["seed"] == [1]
    assert config["mixture"]["seq_len"] == 256


def test_unknown_key_is_named_with_allowed_keys(default_config):
    default_config["cpt"]["learning_rat"] = 1
    message = _error(default_config)
    assert "cpt.learning_rat" in message and "allowed keys" in message and "recipe" in message


def test_unknown_top_level_key(default_config):
    default_config["modle"] = {}
    assert "config key 'modle'" in _error(default_config)


def test_wrong_type_is_named(default_config):
    default_config["mixture"]["seq_len"] = "long"
    message = _error(default_config)
    assert "mixture.seq_len" in message and "integer" in message


def test_mixing_ratio_outside_unit_interval(default_config):
    default_config["cpt"]["grid"][0]["mixing_ratio"] = [0.5, 1.5]
    message = _error(default_config)
    assert "cpt.grid[0].mixing_ratio[1]" in message and "1.5" in message


def test_unknown_backend_lists_choices(default_config):
    default_config["synthetic"]["translation"]["backend"] = "google"
    message = _error(default_config)
    assert "synthetic.translation.backend" in message and "apertium" in message


def test_invalid_language_code(default_config):
    default_config["language"]["code"] = "Galician"
    assert "language.code" in _error(default_config)


def test_language_without_source(default_config):
    default_config["sources"] = []
    assert "sources" in _error(default_config)


def test_apertium_without_pair_for_language(default_config):
    default_config["language"] = {"code": "eu", "name": "Basque"}
    default_config["synthetic"]["translation"]["apertium_pair"] = None
    message = _error(default_config)
    assert "synthetic.translation.apertium_pair" in message and "en->eu" in message


def test_transliteration_needs_devanagari(default_config):
    default_config["synthetic"]["transliteration"]["enabled"] = True
    assert "synthetic.transliteration.enabled" in _error(default_config)


def test_hub_model_needs_id(default_config):
    default_config["base_model"] = {"kind": "hub"}
    assert "base_model.id" in _error(default_config)


def test_source_type_specific_keys(default_config):
    default_config["sources"][0]["repo"] = "x"
    assert "sources[0].repo" in _error(default_config)


def test_config_hash_is_stable(default_config):
    first = validate_config(copy.deepcopy(default_config))
    second = validate_config(copy.deepcopy(default_config))
    assert config_hash(first) == config_hash(second)
    second["cpt"]["recipe"]["learning_rate"] = 1.0
    assert config_hash(first) != config_hash(second)


def test_scaling_metric_needs_a_score_the_evaluation_computes(default_config):
    default_config.setdefault("paper", {})["scaling_metric"] = "spbleu"
    default_config.setdefault("evaluation", {})["spbleu"] = {"enabled": False}
    message = _error(default_config)
    assert "paper.scaling_metric" in message and "evaluation.spbleu.enabled" in message


def test_scaling_metric_comet_needs_a_comet_model(default_config):
    default_config.setdefault("paper", {})["scaling_metric"] = "comet"
    default_config.setdefault("evaluation", {})["comet_model"] = None
    message = _error(default_config)
    assert "paper.scaling_metric" in message and "evaluation.comet_model" in message


def test_unknown_translation_direction_in_the_sft_grid(default_config):
    default_config["sft"]["grid"][0]["translation_direction"] = ["gl-en"]
    message = _error(default_config)
    assert "sft.grid[0].translation_direction[0]" in message and "xx-en" in message
