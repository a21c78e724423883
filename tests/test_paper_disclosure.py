"""The disclosure printed in every table and claims file, from the config."""

from langadapt.config import load_config
from langadapt.paper.disclosure import disclosure_text


def test_default_run_discloses_base_model_dtypes_seeds_and_demo_scale():
    text = disclosure_text(load_config("config.yaml"))
    assert text.startswith("**Demo scale, not findings**")
    assert "SmolLM2-135M-Instruct (instruction-tuned), dequantised from its Q4_1 GGUF" in text
    assert "Decoding (translation, instructions) in float32" in text
    assert "Seeds per arm: CPT 1, SFT 1, DPO 1." in text


def test_study_is_not_marked_demo_and_names_its_bf16_decoding():
    text = disclosure_text(load_config("configs/study-gl.yaml"))
    assert "Demo scale" not in text and "in bfloat16" in text
    assert "Seeds per arm: CPT 3, SFT 2-3, DPO 1." in text


def test_a_hub_model_is_named_by_its_id():
    text = disclosure_text(load_config("configs/x-llama.yaml"))
    assert "Base model: " + load_config("configs/x-llama.yaml")["base_model"]["id"] in text
    assert "Seeds per arm: CPT none" in text
