"""Model loading and base-model preparation: safetensors only, clear errors on broken dirs."""

import json
import shutil

import pytest
from langadapt.errors import LangadaptError
from langadapt.modeling import (
    check_model_dir,
    check_vocabulary,
    find_packaged_gguf,
    load_model,
    load_tokenizer,
    prepare_base_model,
)


@pytest.fixture
def model_copy(tiny_model_dir, tmp_path):
    return shutil.copytree(tiny_model_dir, tmp_path / "model")


def test_local_base_model_round_trip(tiny_model_dir, tmp_path):
    out = prepare_base_model({"kind": "local", "path": str(tiny_model_dir)}, tmp_path / "base")
    provenance = json.loads((out / "provenance.json").read_text())
    assert provenance["kind"] == "local" and provenance["parameters"] > 0
    assert (out / "model.safetensors").exists() and not list(out.glob("*.bin"))
    tokenizer = load_tokenizer(out)
    model = load_model(out, tokenizer=tokenizer)
    assert model.config.vocab_size == len(tokenizer)
    assert tokenizer.chat_template


def test_missing_model_path_is_named(tmp_path):
    with pytest.raises(LangadaptError, match="model directory does not exist"):
        load_model(tmp_path / "nowhere")


def test_directory_without_weights(model_copy):
    (model_copy / "model.safetensors").unlink()
    with pytest.raises(LangadaptError, match="no safetensors weights"):
        check_model_dir(model_copy)


def test_pickle_weights_are_refused(model_copy):
    (model_copy / "model.safetensors").rename(model_copy / "pytorch_model.bin")
    with pytest.raises(LangadaptError, match="pickle weights are refused"):
        check_model_dir(model_copy)


def test_truncated_safetensors_names_the_file(model_copy):
    weights = model_copy / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    with pytest.raises(LangadaptError, match=r"model\.safetensors: truncated or corrupt"):
        load_model(model_copy)


def test_tokenizer_model_vocabulary_mismatch(model_copy):
    tokenizer = load_tokenizer(model_copy)
    tokenizer.add_tokens([f"<extra_{i}>" for i in range(50)])
    with pytest.raises(LangadaptError, match="does not belong to this model"):
        load_model(model_copy, tokenizer=tokenizer)


def test_remote_code_is_off_by_default(model_copy, monkeypatch):
    seen = {}
    from transformers import AutoModelForCausalLM

    original = AutoModelForCausalLM.from_pretrained.__func__

    def spy(cls, *args, **kwargs):
        seen.update(kwargs)
        return original(cls, *args, **kwargs)

    monkeypatch.setattr(AutoModelForCausalLM, "from_pretrained", classmethod(spy))
    load_model(model_copy)
    assert seen["trust_remote_code"] is False and seen["use_safetensors"] is True


def test_missing_gguf_package_names_config_key():
    with pytest.raises(LangadaptError, match="base_model.package"):
        find_packaged_gguf("no_such_package_xyz", "model.gguf")


@pytest.fixture
def adapter_dir(tiny_model_dir, tmp_path):
    """A LoRA stage directory on the tiny model: adapter + tokenizer + base pointer."""
    from langadapt.modeling import write_adapter_pointer
    from peft import LoraConfig, get_peft_model

    model = get_peft_model(
        load_model(tiny_model_dir),
        LoraConfig(task_type="CAUSAL_LM", r=4, target_modules=["q_proj"], init_lora_weights=False),
    )
    out = tmp_path / "sft" / "model"
    model.save_pretrained(out)
    load_tokenizer(tiny_model_dir).save_pretrained(out)
    write_adapter_pointer(out, tiny_model_dir, "sft")
    return out


def test_adapter_stage_loads_base_plus_adapter_merged(adapter_dir, tiny_model_dir):
    import torch

    pointer = json.loads((adapter_dir / "base_model.json").read_text())
    assert not pointer["base_model"].startswith("/")  # relative: results/ can move
    model = load_model(adapter_dir, dtype="bfloat16", tokenizer=load_tokenizer(adapter_dir))
    assert model.dtype == torch.bfloat16 and not hasattr(model, "peft_config")
    base = load_model(tiny_model_dir)
    changed = model.model.layers[0].self_attn.q_proj.weight.float()
    assert not torch.allclose(changed, base.model.layers[0].self_attn.q_proj.weight, atol=1e-3)


def test_adapter_without_base_pointer_is_named(adapter_dir):
    (adapter_dir / "base_model.json").unlink()
    with pytest.raises(LangadaptError, match=r"base_model\.json: missing: a LoRA adapter"):
        load_model(adapter_dir)


def test_adapter_pointing_nowhere_is_named(adapter_dir, tmp_path):
    from langadapt.modeling import write_adapter_pointer

    write_adapter_pointer(adapter_dir, tmp_path / "gone", "sft")
    with pytest.raises(LangadaptError, match=r"base_model\.json: points to .*gone, which does not"):
        load_model(adapter_dir)


def test_vocabulary_check_reads_the_full_shape_of_a_zero3_partition(tiny_model_dir):
    """Under ZeRO-3 a rank holds an empty partition (``ds_shape`` has the real shape): the check
    must compare against the real rows, and still catch a tokenizer that does not fit."""
    import torch

    tokenizer = load_tokenizer(tiny_model_dir)
    model = load_model(tiny_model_dir)
    embeddings = model.get_input_embeddings()
    rows, width = embeddings.weight.shape
    partition = torch.nn.Parameter(torch.empty(0))
    partition.ds_shape = torch.Size([rows, width])  # what deepspeed.zero.Init leaves behind
    embeddings.weight = partition
    check_vocabulary(model, tokenizer, tiny_model_dir)  # no "0 rows"
    partition.ds_shape = torch.Size([len(tokenizer) - 1, width])
    with pytest.raises(LangadaptError, match=f"embedding matrix has {len(tokenizer) - 1} rows"):
        check_vocabulary(model, tokenizer, tiny_model_dir)


def test_adapter_merge_in_the_training_dtype(adapter_dir):
    """DeepSpeed bf16 training merges in bf16 (no fp32 copy of the base per rank): the same
    weights as the fp32 merge cast to bf16, within bf16 rounding."""
    import torch

    reference = dict(load_model(adapter_dir, dtype="bfloat16").named_parameters())
    merged = load_model(adapter_dir, dtype=torch.bfloat16, merge_dtype=torch.bfloat16)
    for name, value in merged.named_parameters():
        assert value.dtype == torch.bfloat16
        assert torch.allclose(value.float(), reference[name].float(), rtol=1e-2, atol=1e-2), name
