"""PEFT adapter exports (issue 23): a DPO adapter exported beside the exact weights it was
trained on (its SFT adapter merged into the base) loads with plain peft + transformers into the
model the workflow evaluated; the hub upload is opt-in and never leaves this machine offline."""

import json
import shutil

import pytest
import torch
import yaml
from langadapt.errors import LangadaptError
from langadapt.eval.bpc import bits_per_char
from langadapt.export import export_adapter, hub_repo_id, hub_target, push_export
from langadapt.model_card import write_model_card
from langadapt.modeling import adapter_base_dir, load_model, load_tokenizer, write_adapter_pointer

TEXT = "Para acceder a esta orde, escolla Formato - Caracteres. " * 3


def _adapter(base_model, out, base_dir, stage, seed):
    """A LoRA adapter on ``base_model`` with non-zero B (so it changes the model)."""
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(seed)
    model = get_peft_model(base_model, LoraConfig(r=4, target_modules=["q_proj", "v_proj"]))
    with torch.no_grad():
        for name, weight in model.named_parameters():
            if "lora_B" in name:
                weight.normal_(std=0.5)
    model.save_pretrained(out)
    load_tokenizer(base_dir).save_pretrained(out)
    write_adapter_pointer(out, base_dir, stage)
    (out.parent / "recipe.yaml").write_text(yaml.safe_dump({"recipe": {"stage": stage}}))


@pytest.fixture
def dpo_cell(tiny_model_dir, tmp_path):
    """results/models/base, an SFT adapter on it and a DPO adapter on the SFT merge."""
    base = tmp_path / "results/models/base"
    shutil.copytree(tiny_model_dir, base)
    sft = tmp_path / "results/sft/gl/init=base/seed=1/model"
    from transformers import AutoModelForCausalLM

    _adapter(AutoModelForCausalLM.from_pretrained(base), sft, base, "sft", seed=3)
    dpo = tmp_path / "results/dpo/gl/init=base/seed=1/model"
    _adapter(load_model(sft), dpo, sft, "dpo", seed=4)
    return dpo


def test_adapter_export_loads_with_plain_peft_onto_the_weights_it_was_trained_on(
        dpo_cell, tmp_path, monkeypatch):
    from peft import AutoPeftModelForCausalLM, PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    export = export_adapter(dpo_cell, dpo_cell.parent / "adapter_export")
    config = json.loads((export / "adapter" / "adapter_config.json").read_text())
    assert config["base_model_name_or_path"] == "base"
    assert sorted(p.name for p in export.iterdir()) == ["adapter", "base"]
    assert not (export / "adapter" / "base_model.json").exists()
    workflow = load_model(dpo_cell).eval()
    base = AutoModelForCausalLM.from_pretrained(export / "base")
    plain = PeftModel.from_pretrained(base, export / "adapter").eval()
    tokenizer = AutoTokenizer.from_pretrained(export / "adapter")
    ids = tokenizer(TEXT, return_tensors="pt")["input_ids"]
    with torch.no_grad():
        unmerged = plain(ids).logits  # LoRA applied on the fly: equal up to rounding
        assert torch.allclose(unmerged, workflow(ids).logits, atol=1e-5)
        merged = plain.merge_and_unload().eval()
        assert torch.equal(merged(ids).logits, workflow(ids).logits)  # bit-exact
        hub_base = AutoModelForCausalLM.from_pretrained(tmp_path / "results/models/base")
        assert not torch.allclose(hub_base(ids).logits, workflow(ids).logits, atol=1e-3)
    assert bits_per_char(merged, tokenizer, TEXT) == bits_per_char(workflow, tokenizer, TEXT)
    # base_model_name_or_path resolves from the export folder, as the card says
    monkeypatch.chdir(export)
    auto = AutoPeftModelForCausalLM.from_pretrained("adapter").merge_and_unload().eval()
    with torch.no_grad():
        assert torch.equal(auto(ids).logits, workflow(ids).logits)


def test_adapter_and_base_get_model_cards(dpo_cell):
    export = export_adapter(dpo_cell, dpo_cell.parent / "adapter_export")
    adapter = write_model_card(export / "adapter", dpo_cell, "gl", kind="adapter").read_text()
    base = write_model_card(export / "base", adapter_base_dir(dpo_cell), "gl",
                            kind="base").read_text()
    assert yaml.safe_load(adapter.split("---")[1])["library_name"] == "peft"
    assert "`base_model_name_or_path` is `base`" in adapter and "stage: dpo" in adapter
    assert "\n# sft/gl/init=base/seed=1\n" in base and "stage: sft" in base


def test_export_of_a_full_model_is_refused(tiny_model_dir, tmp_path):
    with pytest.raises(LangadaptError, match="adapter_config.json: missing"):
        export_adapter(tiny_model_dir, tmp_path / "export")


def test_push_is_attempted_only_up_to_the_hub_offline(dpo_cell, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_langadaptNotARealToken0123456789")
    export = export_adapter(dpo_cell, dpo_cell.parent / "adapter_export")
    repo = hub_repo_id("someone", "gl", "dpo", "init=base/seed=1")
    assert repo == "someone/langadapt-gl-dpo-init-base-seed-1"
    # the tests run offline (conftest: HF_HUB_OFFLINE=1): the first request is refused here
    with pytest.raises(LangadaptError) as caught:
        push_export(export, repo)
    message = str(caught.value)
    assert message.startswith("config key 'export.push_to_hub': uploading ")
    assert "base to someone/langadapt-gl-dpo-init-base-seed-1-base failed" in message
    assert "OfflineModeIsEnabled" in message


def test_push_is_off_by_default_and_needs_a_namespace():
    assert hub_target({}, "gl", "sft", "seed=1") is None
    assert hub_target({"push_to_hub": True, "hub_namespace": "me"}, "gl", "sft",
                      "seed=1") == "me/langadapt-gl-sft-seed-1"
    with pytest.raises(LangadaptError) as caught:
        hub_target({"push_to_hub": True, "hub_namespace": None}, "gl", "sft", "seed=1")
    assert str(caught.value) == ("config key 'export.hub_namespace': push_to_hub needs the hub "
                                 "user or organisation to upload to")
