"""SFT (LoRA, assistant-only loss) and DPO (LoRA) on a tiny random model."""

import pytest
from langadapt import instructions as inst
from langadapt import preferences as prefs
from langadapt.train.dpo import train_dpo
from langadapt.train.logs import read_train_log
from langadapt.train.sft import build_sft_trainer, train_sft

LORA = {
    "lora_r": 8,
    "lora_alpha": 16,
    "lora_dropout": 0.0,
    "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"],
}
SFT_RECIPE = {
    **LORA,
    "learning_rate": 1.0e-2,
    "num_train_epochs": 3,
    "per_device_train_batch_size": 8,
    "max_length": 128,
    "bf16": False,
    "save_steps": 1000,
}
DPO_RECIPE = {**SFT_RECIPE, "beta": 0.1, "per_device_train_batch_size": 2, "num_train_epochs": 2}


@pytest.fixture(scope="module")
def data(fixture_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("instruct")
    records = inst.read_jsonl(fixture_dir / "help_sections.jsonl")
    sections = inst.translate_sections(
        inst.help_sections(records), lambda lines: [line.upper() for line in lines]
    )
    pairs = inst.read_jsonl(fixture_dir / "clean_train.jsonl")
    general = inst.general_instructions(sections, "human", 6)
    translation = inst.translation_instructions(pairs, 40, "en-xx", "Galician")
    sft_path = root / "sft.jsonl"
    inst.write_jsonl(sft_path, inst.sft_set(general, translation, 40, seed=1))
    pref_path = root / "preferences.jsonl"
    inst.write_jsonl(pref_path, prefs.help_preferences(sections, 6, skip=6))
    return {"sft": sft_path, "preferences": pref_path}


def _mean(rows, part):
    losses = [row["loss"] for row in rows]
    k = max(1, len(losses) // 4)
    return sum(losses[:k]) / k if part == "start" else sum(losses[-k:]) / k


def test_sft_labels_only_the_assistant_answer(data, tiny_model_dir, tmp_path):
    trainer, tokenizer, _ = build_sft_trainer(
        data["sft"], tiny_model_dir, tmp_path / "ck", SFT_RECIPE, seed=1
    )
    rows = inst.read_jsonl(data["sft"])
    for example in trainer.train_dataset.select(range(12)):
        labelled = [
            t
            for t, label in zip(example["input_ids"], example["labels"], strict=True)
            if label != -100
        ]
        answer = example["completion"][0]["content"]
        # the whole answer and the end-of-turn marker (cut at max_length for long examples)
        if len(example["input_ids"]) < SFT_RECIPE["max_length"]:
            assert tokenizer.decode(labelled) == answer + "<|im_end|>\n"
        else:
            assert answer.startswith(tokenizer.decode(labelled)) and labelled
        prompt_part = example["input_ids"][: len(example["input_ids"]) - len(labelled)]
        assert example["prompt"][0]["content"] in tokenizer.decode(prompt_part)
        assert all(label == -100 for label in example["labels"][: len(prompt_part)])
    assert len(trainer.train_dataset) == len(rows)


def test_sft_then_dpo_save_adapters_that_load_merged(data, tiny_model_dir, tmp_path):
    import torch
    from langadapt.modeling import export_merged, load_model
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    sft = train_sft(
        instructions=str(data["sft"]),
        model_dir=str(tiny_model_dir),
        out_dir=str(tmp_path / "sft"),
        checkpoint_dir=str(tmp_path / "ck" / "sft"),
        recipe=SFT_RECIPE,
        seed=1,
    )
    sft_dir = tmp_path / "sft" / "model"
    for name in ("adapter_model.safetensors", "base_model.json", "tokenizer.json"):
        assert (sft_dir / name).is_file(), name
    assert not (sft_dir / "model.safetensors").exists()  # no merged copy per cell
    sft_rows = read_train_log(tmp_path / "sft" / "train_log.csv")
    assert _mean(sft_rows, "end") < _mean(sft_rows, "start")
    merged = load_model(sft_dir)
    assert not any("lora" in name for name, _ in merged.named_parameters())
    ids = torch.tensor([[5, 17, 42, 99, 7]])
    base = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    by_peft = PeftModel.from_pretrained(base, sft_dir)
    base_logits = AutoModelForCausalLM.from_pretrained(tiny_model_dir)(ids).logits
    with torch.no_grad():
        assert torch.allclose(merged(ids).logits, by_peft(ids).logits, atol=1e-5)
        assert not torch.allclose(merged(ids).logits, base_logits, atol=1e-3)

    dpo = train_dpo(
        preferences=str(data["preferences"]),
        model_dir=str(sft_dir),
        out_dir=str(tmp_path / "dpo"),
        checkpoint_dir=str(tmp_path / "ck" / "dpo"),
        recipe=DPO_RECIPE,
        seed=1,
    )
    dpo_rows = read_train_log(tmp_path / "dpo" / "train_log.csv")
    assert dpo_rows[0]["loss"] == pytest.approx(0.6931, abs=1e-3)  # log 2: policy == reference
    assert dpo["loss_end"] < dpo["loss_start"]
    dpo_dir = tmp_path / "dpo" / "model"
    assert (dpo_dir / "adapter_model.safetensors").is_file()
    # DPO sits on the SFT stage, which sits on the base: both adapters merged in memory
    exported = export_merged(dpo_dir, tmp_path / "dpo" / "merged")
    assert (exported / "model.safetensors").is_file()
    with torch.no_grad():
        from_export = AutoModelForCausalLM.from_pretrained(exported)(ids).logits
        assert torch.allclose(load_model(dpo_dir)(ids).logits, from_export, atol=1e-5)
        assert not torch.allclose(from_export, merged(ids).logits, atol=1e-4)
    assert sft["steps"] > 0 and dpo["steps"] > 0


def test_full_sft_then_full_dpo_train_every_weight(data, tiny_model_dir, tmp_path):
    """method: full trains every weight (no adapter); full DPO starts at log 2 against its
    separate frozen reference and leaves the reference untouched."""
    from langadapt.modeling import is_adapter_dir, load_model
    from langadapt.train.full import reference_model

    full_recipe = {k: v for k, v in SFT_RECIPE.items() if not k.startswith("lora_")}
    full_recipe.update(learning_rate=1.0e-3, num_train_epochs=1)
    train_sft(instructions=str(data["sft"]), model_dir=str(tiny_model_dir),
              out_dir=str(tmp_path / "sft"), checkpoint_dir=str(tmp_path / "ck" / "sft"),
              recipe=full_recipe, seed=1, method="full")
    assert not is_adapter_dir(tmp_path / "sft" / "model")  # full weights, no adapter pointer
    before = dict(load_model(str(tiny_model_dir)).named_parameters())
    after = dict(load_model(str(tmp_path / "sft" / "model")).named_parameters())
    changed = [name for name, value in after.items() if not value.equal(before[name])]
    assert len(changed) == len(after)  # every weight trained, not only attention adapters

    dpo_recipe = {**full_recipe, "beta": 0.1, "per_device_train_batch_size": 2}
    dpo = train_dpo(preferences=str(data["preferences"]), model_dir=str(tmp_path / "sft" / "model"),
                    out_dir=str(tmp_path / "dpo"), checkpoint_dir=str(tmp_path / "ck" / "dpo"),
                    recipe=dpo_recipe, seed=1, method="full")
    rows = read_train_log(tmp_path / "dpo" / "train_log.csv")
    assert rows[0]["loss"] == pytest.approx(0.6931, abs=1e-3)  # policy == separate reference
    assert dpo["steps"] > 0
    reference = reference_model(str(tmp_path / "sft" / "model"), None)
    assert not any(p.requires_grad for p in reference.parameters())
    aligned = dict(load_model(str(tmp_path / "dpo" / "model")).named_parameters())
    assert any(not aligned[n].equal(p) for n, p in reference.named_parameters())
